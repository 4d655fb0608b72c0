/**
 * What the error middleware needs to answer with: a status, a stable `code` for clients to switch
 * on, a message safe to show, and optional headers. `AuthError` from `@cns/auth` has this shape.
 */
export interface HttpErrorLike {
  status: number;
  code: string;
  message: string;
  headers?: Readonly<Record<string, string>>;
}

/**
 * An error a handler throws to answer with a given status and code.
 *
 * @example
 * ```ts
 * throw new HttpError(400, 'invalid_parameter', 'amount must be an integer in 1..100')
 * ```
 */
export class HttpError extends Error implements HttpErrorLike {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: string,
    message: string,
    options?: ErrorOptions & { headers?: Record<string, string> },
  ) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.headers = options?.headers ?? {};
  }
}

/** True for errors that say how to answer: ours, `AuthError`, and none that merely look alike. */
export function isHttpErrorLike(error: unknown): error is HttpErrorLike {
  if (!(error instanceof Error)) return false;
  const { status, code } = error as Partial<HttpErrorLike>;
  return (
    typeof status === 'number' &&
    Number.isInteger(status) &&
    status >= 400 &&
    status <= 599 &&
    typeof code === 'string'
  );
}
