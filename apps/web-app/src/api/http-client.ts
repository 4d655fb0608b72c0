import axios, { type AxiosInstance } from 'axios';
import type { Session } from '../auth/session.ts';
import { toApiError } from './api-error.ts';

export interface HttpClientOptions {
  /** `''` for the page's own origin. */
  baseURL: string;
  tokens: Pick<Session, 'accessToken'>;
  /** Longer than web-api's own deadline for articles, so web-api reports a slow upstream itself. */
  timeoutMs?: number;
}

/**
 * The web-app's only HTTP client. Every request gets a fresh-enough access token, and every
 * failure, including a 401, becomes an {@link ApiError} here and nowhere else.
 */
export function createHttpClient({
  baseURL,
  tokens,
  timeoutMs = 10_000,
}: HttpClientOptions): AxiosInstance {
  const http = axios.create({
    baseURL,
    timeout: timeoutMs,
    headers: { Accept: 'application/json' },
  });
  http.interceptors.request.use(async (request) => {
    request.headers.Authorization = `Bearer ${await tokens.accessToken()}`;
    return request;
  });
  http.interceptors.response.use(undefined, (error: unknown) => Promise.reject(toApiError(error)));
  return http;
}
