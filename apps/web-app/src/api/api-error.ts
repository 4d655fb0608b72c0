import { isAxiosError } from 'axios';
import { IdentityProviderUnavailableError, SessionExpiredError } from '../auth/session.ts';

/** What went wrong with an API call, in the terms the UI explains to the user. */
export type ProblemKind =
  | 'session_expired'
  | 'identity_provider_unavailable'
  | 'forbidden'
  | 'denied_by_policy'
  | 'articles_unavailable'
  | 'web_api_unavailable'
  | 'rate_limited'
  | 'invalid_request'
  | 'unexpected';

export interface ApiErrorDetails {
  /** HTTP status, when web-api answered. */
  status?: number;
  /** The `error` code of web-api's JSON body, e.g. `insufficient_scope`. */
  code?: string;
}

/** The one error type API calls reject with. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly kind: ProblemKind;
  readonly status: number | undefined;
  readonly code: string | undefined;

  constructor(kind: ProblemKind, message: string, details: ApiErrorDetails = {}) {
    super(message);
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
  }
}

function kindOf(status: number, code: string | undefined): ProblemKind {
  if (status === 401) return 'session_expired';
  // web-api names a missing role; any other 403 comes from a policy in front of it, e.g. Istio's.
  if (status === 403) return code === 'insufficient_scope' ? 'forbidden' : 'denied_by_policy';
  if (status === 400) return 'invalid_request';
  if (status === 429) return 'rate_limited';
  // upstream_busy: articles turned web-api away for now; other 503s mean web-api cannot work.
  if (status === 502 || status === 504 || code === 'upstream_busy') return 'articles_unavailable';
  if (status === 503) return 'web_api_unavailable';
  return 'unexpected';
}

/** web-api's error body is `{error, error_description}`; proxies in between may send anything. */
function errorBody(data: unknown): { error?: string; error_description?: string } {
  if (typeof data !== 'object' || data === null) return {};
  const { error, error_description } = data as Record<string, unknown>;
  return {
    ...(typeof error === 'string' && { error }),
    ...(typeof error_description === 'string' && { error_description }),
  };
}

/** Classifies any failure of an API call; an `ApiError` passes through unchanged. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof SessionExpiredError) return new ApiError('session_expired', error.message);
  if (error instanceof IdentityProviderUnavailableError)
    return new ApiError('identity_provider_unavailable', error.message);
  if (isAxiosError(error)) {
    if (error.response) {
      const status = error.response.status;
      const body = errorBody(error.response.data);
      const message = body.error_description ?? `web-api answered HTTP ${status}`;
      return new ApiError(kindOf(status, body.error), message, { status, code: body.error });
    }
    const message =
      error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT'
        ? 'web-api did not answer in time'
        : 'web-api could not be reached';
    return new ApiError('web_api_unavailable', message);
  }
  return new ApiError('unexpected', error instanceof Error ? error.message : String(error));
}
