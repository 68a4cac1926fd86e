/**
 * What GitHub Marketplace accepts in action.yml, checked by `npm run validate` (scripts/validate-metadata.ts).
 *
 * The colours and icons are GitHub's own lists, from "Metadata syntax reference" → `branding`
 * (docs.github.com/en/actions/reference/workflows-and-actions/metadata-syntax#branding): Feather
 * v4.28.0 icons minus brand icons and the 13 GitHub omits (coffee, columns, key, tool, …), which
 * is not all of Feather. The description limit is the Marketplace's publish form ("Description
 * must be less than 125 characters"). GitHub documents no limit for `name` (only that it must be
 * unique in the Marketplace); NAME_MAX is ours, to keep the Marketplace card and the Actions tab
 * readable.
 */

export const DESCRIPTION_LIMIT = 125 // the description must be shorter than this
export const NAME_MAX = 50

export const COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'] as const

// prettier-ignore
export const ICONS = [
  'activity', 'airplay', 'alert-circle', 'alert-octagon', 'alert-triangle', 'align-center', 'align-justify', 'align-left', 'align-right',
  'anchor', 'aperture', 'archive', 'arrow-down-circle', 'arrow-down-left', 'arrow-down-right', 'arrow-down', 'arrow-left-circle',
  'arrow-left', 'arrow-right-circle', 'arrow-right', 'arrow-up-circle', 'arrow-up-left', 'arrow-up-right', 'arrow-up', 'at-sign', 'award',
  'bar-chart-2', 'bar-chart', 'battery-charging', 'battery', 'bell-off', 'bell', 'bluetooth', 'bold', 'book-open', 'book', 'bookmark',
  'box', 'briefcase', 'calendar', 'camera-off', 'camera', 'cast', 'check-circle', 'check-square', 'check', 'chevron-down', 'chevron-left',
  'chevron-right', 'chevron-up', 'chevrons-down', 'chevrons-left', 'chevrons-right', 'chevrons-up', 'circle', 'clipboard', 'clock',
  'cloud-drizzle', 'cloud-lightning', 'cloud-off', 'cloud-rain', 'cloud-snow', 'cloud', 'code', 'command', 'compass', 'copy',
  'corner-down-left', 'corner-down-right', 'corner-left-down', 'corner-left-up', 'corner-right-down', 'corner-right-up', 'corner-up-left',
  'corner-up-right', 'cpu', 'credit-card', 'crop', 'crosshair', 'database', 'delete', 'disc', 'dollar-sign', 'download-cloud', 'download',
  'droplet', 'edit-2', 'edit-3', 'edit', 'external-link', 'eye-off', 'eye', 'fast-forward', 'feather', 'file-minus', 'file-plus',
  'file-text', 'file', 'film', 'filter', 'flag', 'folder-minus', 'folder-plus', 'folder', 'gift', 'git-branch', 'git-commit', 'git-merge',
  'git-pull-request', 'globe', 'grid', 'hard-drive', 'hash', 'headphones', 'heart', 'help-circle', 'home', 'image', 'inbox', 'info',
  'italic', 'layers', 'layout', 'life-buoy', 'link-2', 'link', 'list', 'loader', 'lock', 'log-in', 'log-out', 'mail', 'map-pin', 'map',
  'maximize-2', 'maximize', 'menu', 'message-circle', 'message-square', 'mic-off', 'mic', 'minimize-2', 'minimize', 'minus-circle',
  'minus-square', 'minus', 'monitor', 'moon', 'more-horizontal', 'more-vertical', 'move', 'music', 'navigation-2', 'navigation', 'octagon',
  'package', 'paperclip', 'pause-circle', 'pause', 'percent', 'phone-call', 'phone-forwarded', 'phone-incoming', 'phone-missed',
  'phone-off', 'phone-outgoing', 'phone', 'pie-chart', 'play-circle', 'play', 'plus-circle', 'plus-square', 'plus', 'pocket', 'power',
  'printer', 'radio', 'refresh-ccw', 'refresh-cw', 'repeat', 'rewind', 'rotate-ccw', 'rotate-cw', 'rss', 'save', 'scissors', 'search',
  'send', 'server', 'settings', 'share-2', 'share', 'shield-off', 'shield', 'shopping-bag', 'shopping-cart', 'shuffle', 'sidebar',
  'skip-back', 'skip-forward', 'slash', 'sliders', 'smartphone', 'speaker', 'square', 'star', 'stop-circle', 'sun', 'sunrise', 'sunset',
  'table', 'tablet', 'tag', 'target', 'terminal', 'thermometer', 'thumbs-down', 'thumbs-up', 'toggle-left', 'toggle-right', 'trash-2',
  'trash', 'trending-down', 'trending-up', 'triangle', 'truck', 'tv', 'type', 'umbrella', 'underline', 'unlock', 'upload-cloud', 'upload',
  'user-check', 'user-minus', 'user-plus', 'user-x', 'user', 'users', 'video-off', 'video', 'voicemail', 'volume-1', 'volume-2', 'volume-x',
  'volume', 'watch', 'wifi-off', 'wifi', 'wind', 'x-circle', 'x-square', 'x', 'zap-off', 'zap', 'zoom-in', 'zoom-out'
] as const

/** Author values that name nobody: template leftovers, the project's own name, angle-bracket slots. */
const PLACEHOLDER =
  /^(acme|example|author|your[\s_-]*(name|org|organi[sz]ation|company)|me|todo|tbd|fixme|changeme|placeholder|foo|bar|test|xx+|n\/?a|none|unknown)$/i

export interface ActionMetadata {
  name?: unknown
  description?: unknown
  author?: unknown
  branding?: { icon?: unknown; color?: unknown } | null
}

/** The name part of a package.json `author` ("Name <email> (url)" or `{name}`). */
export function packageAuthorName(author: unknown): string | undefined {
  if (typeof author === 'string') return author.replace(/<[^>]*>|\([^)]*\)/g, '').trim() || undefined
  if (author && typeof author === 'object' && typeof (author as { name?: unknown }).name === 'string') return (author as { name: string }).name.trim()
  return undefined
}

/** Length as the Marketplace form counts it: characters, not UTF-16 units. */
const length = (s: string): number => [...s].length

/** Every reason the Marketplace (or our own rule on `name`) would refuse this metadata. */
export function marketplaceProblems(action: ActionMetadata, pkg: { name?: string; author?: unknown }): string[] {
  const problems: string[] = []
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined)

  const name = text(action.name)
  if (!name) problems.push('action.yml: `name` is missing (the Marketplace requires it)')
  else if (length(name) > NAME_MAX) problems.push(`action.yml: \`name\` is ${length(name)} characters; keep it to ${NAME_MAX}`)

  const description = text(action.description)
  if (!description) problems.push('action.yml: `description` is missing (the Marketplace requires it)')
  else if (length(description) >= DESCRIPTION_LIMIT)
    problems.push(`action.yml: \`description\` is ${length(description)} characters; the Marketplace requires fewer than ${DESCRIPTION_LIMIT}`)

  const icon = action.branding?.icon
  const color = action.branding?.color
  if (icon === undefined) problems.push('action.yml: `branding.icon` is missing (the Marketplace badge needs one)')
  else if (!(ICONS as readonly unknown[]).includes(icon))
    problems.push(`action.yml: \`branding.icon\` "${String(icon)}" is not one of the Feather icons GitHub supports (scripts/lib/marketplace.ts)`)
  if (color === undefined) problems.push('action.yml: `branding.color` is missing (the Marketplace badge needs one)')
  else if (!(COLORS as readonly unknown[]).includes(color))
    problems.push(`action.yml: \`branding.color\` "${String(color)}" is not one of ${COLORS.join(', ')}`)

  const author = text(action.author)
  const own = [pkg.name, text(action.name)].filter((n): n is string => !!n).map(n => n.toLowerCase())
  if (!author) problems.push('action.yml: `author` is missing')
  else if (PLACEHOLDER.test(author) || /[<>[\]{}]/.test(author) || own.includes(author.toLowerCase()))
    problems.push(`action.yml: \`author\` "${author}" is a placeholder; name the maintainers`)
  else if (packageAuthorName(pkg.author) !== author)
    problems.push(`action.yml: \`author\` "${author}" differs from package.json's author "${packageAuthorName(pkg.author) ?? ''}"`)

  return problems
}
