import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@cns/service-kit';
import { createIdp } from './app.ts';
import { loadRealm, type RealmOverrides } from './realm.ts';

export const REALM_FILE = fileURLToPath(
  new URL('../../../k8s/keycloak/quarkus-realm.json', import.meta.url),
);

/** For tests: the development IdP with the repository's realm, on a free loopback port. */
export async function startIdp(overrides: RealmOverrides = {}) {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const publicUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
  const realm = await loadRealm(REALM_FILE, overrides);
  const { app, issuer } = await createIdp({
    realm,
    publicUrl,
    logger: createLogger({ service: 'dev-idp', level: 'silent' }),
  });
  server.on('request', app);
  return {
    issuer,
    tokenUrl: `${issuer}/protocol/openid-connect/token`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
