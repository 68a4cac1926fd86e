import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { COLORS, ICONS, marketplaceProblems, packageAuthorName, type ActionMetadata } from '../../scripts/lib/marketplace.js'

const pkg = { name: 'scheduler-oidc-doctor', author: 'scheduler-oidc-doctor maintainers (https://github.com/scheduler-oidc-doctor)' }
const good: ActionMetadata = {
  name: 'Cloud Scheduler OIDC Doctor',
  description: 'Verify and repair.',
  author: 'scheduler-oidc-doctor maintainers',
  branding: { icon: 'clock', color: 'blue' }
}
const problems = (over: Partial<ActionMetadata>, p: { name?: string; author?: unknown } = pkg): string[] => marketplaceProblems({ ...good, ...over }, p)

describe('Marketplace metadata (npm run validate)', () => {
  it("accepts the repository's own action.yml and package.json", () => {
    const action = parse(readFileSync('action.yml', 'utf8')) as ActionMetadata
    const own = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; author: unknown }
    expect(marketplaceProblems(action, own)).toEqual([])
  })

  it('refuses a description of 125 characters or more, counted in characters', () => {
    expect(problems({ description: 'x'.repeat(124) })).toEqual([])
    expect(problems({ description: 'x'.repeat(125) })).toEqual([expect.stringContaining('125 characters; the Marketplace requires fewer than 125')])
    expect(problems({ description: '✅'.repeat(124) })).toEqual([]) // 124 characters, 248 UTF-16 units
    expect(problems({ description: undefined })).toEqual([expect.stringContaining('`description` is missing')])
  })

  it('refuses a missing or over-long name', () => {
    expect(problems({ name: undefined })).toEqual([expect.stringContaining('`name` is missing')])
    expect(problems({ name: '  ' })).toEqual([expect.stringContaining('`name` is missing')])
    expect(problems({ name: 'n'.repeat(51) })).toEqual([expect.stringContaining('`name` is 51 characters')])
  })

  it("takes only GitHub's branding colours and supported Feather icons", () => {
    expect(COLORS).toEqual(['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'])
    for (const icon of ['clock', 'table', 'shield', 'zoom-out']) expect(problems({ branding: { icon, color: 'black' } })).toEqual([])
    // Feather icons GitHub omits, a brand icon, and a non-Feather name
    for (const icon of ['coffee', 'key', 'tool', 'github', 'facebook', 'alarm'])
      expect(problems({ branding: { icon, color: 'blue' } })).toEqual([expect.stringContaining(`"${icon}" is not one of the Feather icons GitHub supports`)])
    expect(problems({ branding: { icon: 'clock', color: 'grey' } })).toEqual([expect.stringContaining('"grey" is not one of white, black')])
    expect(problems({ branding: undefined })).toEqual([
      expect.stringContaining('`branding.icon` is missing'),
      expect.stringContaining('`branding.color` is missing')
    ])
    expect(new Set(ICONS).size).toBe(ICONS.length)
  })

  it('refuses a placeholder author, and one that package.json does not share', () => {
    for (const author of ['scheduler-oidc-doctor', 'Cloud Scheduler OIDC Doctor', 'acme', 'Your Name', 'TODO', '<author>', ''])
      expect(problems({ author }, { name: 'scheduler-oidc-doctor', author })).toEqual([
        expect.stringMatching(author.trim() ? /is a placeholder/ : /`author` is missing/)
      ])
    expect(problems({ author: 'Someone Else' })).toEqual([expect.stringContaining("differs from package.json's author")])
    expect(problems({}, { name: 'scheduler-oidc-doctor' })).toEqual([expect.stringContaining("differs from package.json's author")])
  })

  it("reads package.json's author in every npm form", () => {
    expect(packageAuthorName('Jane Doe <jane@example.com> (https://example.com)')).toBe('Jane Doe')
    expect(packageAuthorName({ name: 'Jane Doe', email: 'jane@example.com' })).toBe('Jane Doe')
    expect(packageAuthorName(undefined)).toBeUndefined()
  })
})
