import { createHmac, KeyObject, sign } from 'node:crypto';
import type { CryptoKey } from 'jose';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with `alg: none` and an empty signature: what a forger sends first. */
export function unsignedToken(payload: object, header: object = {}): string {
  return `${encode({ alg: 'none', typ: 'JWT', ...header })}.${encode(payload)}.`;
}

/**
 * An HS256 token whose secret is the issuer's *public* key: the classic algorithm-confusion attack
 * against verifiers that let the token choose the algorithm.
 */
export function hmacToken(secret: string | Buffer, payload: object, header: object = {}): string {
  const signingInput = `${encode({ alg: 'HS256', typ: 'JWT', ...header })}.${encode(payload)}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/** The same token with its payload replaced and the original signature kept. */
export function withTamperedPayload(token: string, payload: object): string {
  const [header, , signature] = token.split('.');
  return `${header}.${encode(payload)}.${signature}`;
}

/** Decodes a JWT's payload without verifying it; for assertions only. */
export function decodePayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * Signs header and payload exactly as given with an RS256 key, bypassing the checks jose makes
 * when signing (it refuses, for example, unknown `crit` parameters).
 */
export function rawRs256Token(
  privateKey: CryptoKey | KeyObject,
  header: object,
  payload: object | string,
): string {
  // A string payload is used as it is: a nested JWT, for instance.
  const body =
    typeof payload === 'string' ? Buffer.from(payload).toString('base64url') : encode(payload);
  const signingInput = `${encode({ alg: 'RS256', typ: 'JWT', ...header })}.${body}`;
  const key = privateKey instanceof KeyObject ? privateKey : KeyObject.from(privateKey);
  const signature = sign('sha256', Buffer.from(signingInput), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}
