import { readBearerToken } from '@cns/auth';
import type { Request } from 'express';
import type { TokenExchange } from './token-exchange.ts';

/** The `Authorization` header web-api sends to articles for a request it has authenticated. */
export type Relay = (req: Request) => string | Promise<string>;

/** User-token propagation: articles sees the caller's own token. */
export const forwardCallerToken: Relay = (req) => req.headers.authorization ?? '';

/**
 * Token exchange: articles sees a token meant for it alone that names the same user, so a token
 * taken from a browser is worth nothing there.
 */
export function exchangeCallerToken(exchange: TokenExchange): Relay {
  return async (req) => {
    if (!req.auth) throw new Error('the exchange relay must run after authenticate');
    const token = readBearerToken(req, 'web-api');
    return `Bearer ${await exchange.tokenFor({ token, expiresAt: req.auth.expiresAt })}`;
  };
}
