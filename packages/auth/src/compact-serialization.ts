/**
 * Whether a token is a JWS in canonical compact serialization (RFC 7515 §7.1): three segments of
 * unpadded base64url (RFC 7515 §2) that re-encode to themselves. jose decodes leniently, so `$T==`
 * or a signature whose last character differs only in its unused low bits verify too; accepting
 * only the canonical spelling keeps one token one string, and one entry in the verified-token cache.
 */
export function isCanonicalCompactJws(token: string): boolean {
  const segments = token.split('.');
  return segments.length === 3 && segments.every(isCanonicalBase64Url);
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function isCanonicalBase64Url(segment: string): boolean {
  return (
    BASE64URL.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment
  );
}
