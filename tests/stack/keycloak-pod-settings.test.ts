import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

// Keycloak as the cluster runs it: the settings of the ConfigMap keycloak-config and the
// Deployment's arguments from k8s/, with only the ports and the database moved to what runs here.
// `pnpm test:keycloak` sets KEYCLOAK_DIST to the server distribution scripts/start-keycloak.sh
// fetched; without it (in `pnpm test`) the suite is skipped.
const dist = process.env.KEYCLOAK_DIST;
const root = fileURLToPath(new URL('../..', import.meta.url));
const ISSUER = 'https://demo.k8s.local/auth/realms/quarkus';
// Keycloak rebuilds its server at start, because the settings differ from the distribution's.
const START_TIMEOUT_MS = 600_000;

interface Kustomization {
  configMapGenerator: { name: string; literals?: string[] }[];
}
interface Container {
  name: string;
  args?: string[];
}

/** The environment of the generated ConfigMap keycloak-config, and Keycloak's container args. */
async function podSettings(): Promise<{ env: Record<string, string>; args: string[] }> {
  const kustomization = parse(
    await readFile(join(root, 'k8s/kustomization.yaml'), 'utf8'),
  ) as Kustomization;
  const literals = kustomization.configMapGenerator.find(
    (generator) => generator.name === 'keycloak-config',
  )?.literals;
  if (!literals) throw new Error('k8s/kustomization.yaml generates no keycloak-config');
  const env = Object.fromEntries(
    literals.map((literal) => [
      literal.slice(0, literal.indexOf('=')),
      literal.slice(literal.indexOf('=') + 1),
    ]),
  );
  const deployment = parseAllDocuments(
    await readFile(join(root, 'k8s/keycloak/keycloak.yaml'), 'utf8'),
  )
    .map(
      (document) =>
        document.toJS() as {
          kind: string;
          spec: { template: { spec: { containers: Container[] } } };
        },
    )
    .find((object) => object.kind === 'Deployment');
  const container = deployment?.spec.template.spec.containers.find((c) => c.name === 'keycloak');
  if (!container?.args)
    throw new Error('k8s/keycloak/keycloak.yaml runs no keycloak container with args');
  return { env, args: container.args };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Answer {
  status: number;
  body: string;
}

/** HTTP with a Host header of our choosing, which fetch does not allow. */
function call(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${path} in 10 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

describe.skipIf(!dist)("Keycloak with the cluster pod's settings", () => {
  let home: string;
  let keycloak: ChildProcess;
  let log = '';
  let httpPort: number;
  let managementPort: number;

  beforeAll(async () => {
    if (!dist) return;
    const { env, args } = await podSettings();
    // A copy of its own: the rebuild at start changes the distribution's lib/.
    home = await mkdtemp(join(tmpdir(), 'keycloak-pod-'));
    await cp(dist, home, { recursive: true });
    await mkdir(join(home, 'data/import'), { recursive: true });
    await cp(
      join(root, 'k8s/keycloak/quarkus-realm.json'),
      join(home, 'data/import/quarkus-realm.json'),
    );
    httpPort = await freePort();
    managementPort = await freePort();
    const database = Object.fromEntries(
      Object.entries(env).filter(([name]) => !name.startsWith('KC_DB')),
    );
    keycloak = spawn(join(home, 'bin/kc.sh'), args, {
      env: {
        ...process.env,
        ...database,
        KC_DB: 'dev-file',
        KC_HTTP_HOST: '127.0.0.1',
        KC_HTTP_PORT: String(httpPort),
        KC_HTTP_MANAGEMENT_PORT: String(managementPort),
        KC_BOOTSTRAP_ADMIN_USERNAME: 'admin',
        KC_BOOTSTRAP_ADMIN_PASSWORD: 'pod-settings-test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    keycloak.stdout?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
    keycloak.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (keycloak.exitCode !== null)
        throw new Error(`Keycloak exited (${keycloak.exitCode}):\n${log}`);
      // Ready once the realm is imported, as the readiness probe waits for it.
      const ready = await call(managementPort, '/auth/health/ready').catch(() => undefined);
      if (ready?.status === 200) break;
      if (Date.now() > deadline)
        throw new Error(`Keycloak did not start in ${START_TIMEOUT_MS / 1000} s:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }, START_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    if (keycloak && keycloak.exitCode === null) {
      const exited = new Promise((resolve) => keycloak.once('exit', resolve));
      keycloak.kill('SIGTERM');
      await exited;
    }
    if (home) await rm(home, { recursive: true, force: true });
  }, 60_000);

  it('answers health and readiness on the management port under /auth/health, as the probes ask', async () => {
    for (const path of ['/auth/health/started', '/auth/health/ready', '/auth/health/live']) {
      const answer = await call(managementPort, path);
      expect(answer.status, path).toBe(200);
      expect(JSON.parse(answer.body), path).toMatchObject({ status: 'UP' });
    }
    expect((await call(httpPort, '/auth/health/ready')).status).toBe(404);
  });

  it('issues every token under the public issuer, whichever Host it was requested through', async () => {
    for (const host of [
      'demo.k8s.local',
      'keycloak:8080',
      'keycloak.demo.svc.cluster.local:8080',
      'evil.example',
    ]) {
      const answer = await call(httpPort, '/auth/realms/quarkus/protocol/openid-connect/token', {
        method: 'POST',
        headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          username: 'alice',
          password: 'alice',
          grant_type: 'password',
          client_id: 'labs-cli',
        }).toString(),
      });
      expect(answer.status, `${host}: ${answer.body}`).toBe(200);
      const token = (JSON.parse(answer.body) as { access_token: string }).access_token;
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
        iss: string;
      };
      expect(claims.iss, host).toBe(ISSUER);
    }
  });

  it("keeps the discovery document's URLs whatever forwarding headers a client sends", async () => {
    const answer = await call(httpPort, '/auth/realms/quarkus/.well-known/openid-configuration', {
      headers: {
        host: 'demo.k8s.local',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        'x-forwarded-port': '443',
      },
    });
    expect(answer.status).toBe(200);
    const discovery = JSON.parse(answer.body) as Record<string, unknown>;
    expect(discovery.issuer).toBe(ISSUER);
    for (const name of [
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'end_session_endpoint',
      'userinfo_endpoint',
    ])
      expect(String(discovery[name]), name).toMatch(
        /^https:\/\/demo\.k8s\.local\/auth\/realms\/quarkus\//,
      );
    expect(answer.body).not.toContain('evil.example');
  });
});
