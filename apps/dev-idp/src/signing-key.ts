import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';

export interface SigningKey {
  /** Private JWK with `kid`, `alg` and `use`, for oidc-provider's key store. */
  privateJwk: JWK;
  /** Public key as base64 DER, the `public_key` of Keycloak's realm info. */
  publicKeyDer: string;
}

/** A fresh RS256 key; its id is the JWK thumbprint, as Keycloak's key ids are. */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(privateJwk);
  const pem = await exportSPKI(publicKey);
  return {
    privateJwk: { ...privateJwk, kid, alg: 'RS256', use: 'sig' },
    publicKeyDer: pem.replace(/-----[A-Z ]+-----|\s/g, ''),
  };
}
