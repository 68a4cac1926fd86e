/** Google's JSON error envelope and the error handlers throw to produce it. */

export const STATUS_NAME: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED'
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status: string = STATUS_NAME[code] ?? 'UNKNOWN',
    readonly details: unknown[] = []
  ) {
    super(message)
  }

  body(): { error: { code: number; message: string; status: string; details?: unknown[] } } {
    const error: { code: number; message: string; status: string; details?: unknown[] } = {
      code: this.code,
      message: this.message,
      status: this.status
    }
    if (this.details.length) error.details = this.details
    return { error }
  }
}

export const unauthenticated = (): ApiError =>
  new ApiError(
    401,
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    'UNAUTHENTICATED',
    [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED', domain: 'googleapis.com' }]
  )

/** The wording Google uses for an IAM denial; "(or it may not exist)" because IAM cannot tell the caller. */
export const permissionDenied = (permission: string, resource: string, service = 'googleapis.com'): ApiError =>
  new ApiError(403, `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`, 'PERMISSION_DENIED', [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'IAM_PERMISSION_DENIED',
      domain: service,
      metadata: { permission, resource }
    }
  ])

export const notFound = (message: string): ApiError => new ApiError(404, message, 'NOT_FOUND')
export const invalidArgument = (message: string): ApiError => new ApiError(400, message, 'INVALID_ARGUMENT')
export const aborted = (message: string): ApiError => new ApiError(409, message, 'ABORTED')
