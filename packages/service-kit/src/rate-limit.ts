import type { RequestHandler } from 'express';
import { HttpError } from './http-error.ts';

export interface RateLimitOptions {
  /** Sustained requests per second per client address; 0 turns the limit off. */
  perSecond: number;
  /** Requests a client may send at once before the sustained rate applies. */
  burst: number;
  /** How many client addresses to track; the least recently seen are forgotten first. */
  maxClients?: number;
}

/** 50 requests per second per client address, in bursts of up to 100. */
export const DEFAULT_RATE_LIMIT = { perSecond: 50, burst: 100 } as const satisfies RateLimitOptions;

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * A token bucket per client address (`req.ip`: see `trustedProxyHops` of the service app), checked
 * before any token is verified, so a flood of forged tokens costs the service almost nothing.
 * Per-user limits belong at the gateway.
 */
export function rateLimit({
  perSecond,
  burst,
  maxClients = 10_000,
}: RateLimitOptions): RequestHandler {
  if (perSecond === 0) return (_req, _res, next) => next();
  const buckets = new Map<string, Bucket>();
  return (req, _res, next) => {
    const key = req.ip ?? 'unknown';
    const now = performance.now();
    const bucket = buckets.get(key) ?? { tokens: burst, updated: now };
    buckets.delete(key); // re-inserted below: Map order is least recently seen first
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updated) / 1000) * perSecond);
    bucket.updated = now;
    buckets.set(key, bucket);
    if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value as string);
    if (bucket.tokens < 1) {
      const retryAfter = Math.ceil((1 - bucket.tokens) / perSecond);
      throw new HttpError(429, 'rate_limited', 'too many requests; retry later', {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    bucket.tokens -= 1;
    next();
  };
}
