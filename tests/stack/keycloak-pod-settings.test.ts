import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@cns/test-support';
import { createTokenVerifier } from '@cns/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { postgresMajorVersion, startLocalPostgres, type LocalPostgres } from './local-postgres.ts';

// Keycloak as the cluster runs it: the settings of the ConfigMap keycloak-config and the
// Deployment's arguments from k8s/, with only the ports, the database's address and its login
// moved to what runs here: a PostgreSQL server of its own on a free loopback port. POSTGRES_BIN
// names the directory of PostgreSQL's programs.
// `pnpm test:keycloak` sets KEYCLOAK_DIST to the server distribution scripts/start-keycloak.sh
// fetched; without it (in `pnpm test`) the suite is skipped.
const dist = process.env.KEYCLOAK_DIST;
const root = fileURLToPath(new URL('../..', import.meta.url));
const ISSUER = 'https://demo.k8s.local/auth/realms/quarkus';
// Keycloak rebuilds its server at start, because the settings differ from the distribution's.
const START_TIMEOUT_MS = 600_000;
const JWKS_PATH = '/auth/realms/quarkus/protocol/openid-connect/certs';
const postgresBin = process.env.POSTGRES_BIN;

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

/** The realm file where the pod mounts the ConfigMap keycloak-realm: data/import. */
async function copyRealm(home: string): Promise<void> {
  await mkdir(join(home, 'data/import'), { recursive: true });
  await cp(
    join(root, 'k8s/keycloak/quarkus-realm.json'),
    join(home, 'data/import/quarkus-realm.json'),
  );
}

interface Keycloak {
  /** Everything it logged, from its start. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts Keycloak as the pod does (`kc.sh start --import-realm` with the pod's settings) from the
 * copy in `home`, and waits until it is ready, as the readiness probe does.
 */
async function startKeycloak(
  home: string,
  env: Record<string, string>,
  args: string[],
): Promise<Keycloak> {
  let log = '';
  const keycloak = spawn(join(home, 'bin/kc.sh'), args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  keycloak.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  keycloak.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const stop = async () => {
    if (keycloak.exitCode !== null || keycloak.signalCode !== null) return;
    const exited = new Promise((resolve) => keycloak.once('exit', resolve));
    keycloak.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (keycloak.exitCode !== null)
      throw new Error(`Keycloak exited (${keycloak.exitCode}):\n${log.slice(-20_000)}`);
    // Ready once the realm is imported, as the readiness probe waits for it.
    const ready = await call(Number(env.KC_HTTP_MANAGEMENT_PORT), '/auth/health/ready').catch(
      () => undefined,
    );
    if (ready?.status === 200) return { log: () => log, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Keycloak did not start in ${START_TIMEOUT_MS / 1000} s:\n${log.slice(-20_000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

async function passwordGrant(port: number, host = 'demo.k8s.local'): Promise<string> {
  const answer = await call(port, '/auth/realms/quarkus/protocol/openid-connect/token', {
    method: 'POST',
    headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username: 'alice',
      password: 'alice',
      grant_type: 'password',
      client_id: 'labs-cli',
    }).toString(),
  });
  if (answer.status !== 200)
    throw new Error(`token endpoint (Host ${host}): ${answer.status} ${answer.body}`);
  return (JSON.parse(answer.body) as { access_token: string }).access_token;
}

async function signingKeyIds(port: number): Promise<string[]> {
  const answer = await call(port, JWKS_PATH);
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.body) as { keys: { kid: string }[] }).keys.map((key) => key.kid).sort();
}

// k8s/keycloak/postgres.yaml pins the image postgres:17.6; this runs the PostgreSQL of Debian's
// package (15 on bookworm), and the title names the major version that ran.
const postgresMajor = dist && postgresBin ? postgresMajorVersion(postgresBin) : 'unknown';
const suite = `Keycloak with the cluster pod's settings, on PostgreSQL ${postgresMajor} (the manifest pins 17.6)`;

describe.skipIf(!dist)(suite, () => {
  let home: string;
  let postgres: LocalPostgres | undefined;
  let env: Record<string, string>;
  let args: string[];
  let keycloak: Keycloak | undefined;
  let httpPort: number;
  let managementPort: number;

  beforeAll(async () => {
    if (!dist) return;
    if (!postgresBin)
      throw new Error(
        "POSTGRES_BIN is not set: it names the directory of PostgreSQL's programs (initdb, postgres)",
      );
    const pod = await podSettings();
    args = pod.args;
    // A copy of its own: the rebuild at start changes the distribution's lib/.
    home = await mkdtemp(join(tmpdir(), 'keycloak-pod-'));
    await cp(dist, home, { recursive: true });
    await copyRealm(home);
    postgres = await startLocalPostgres(postgresBin);
    httpPort = await freePort();
    managementPort = await freePort();
    // The pod's settings; only the address of the database (the Service postgres, port 5432) and
    // the login (the Secret keycloak-db) are those of the server here.
    env = {
      ...pod.env,
      KC_DB_URL_HOST: '127.0.0.1',
      KC_DB_URL_PORT: String(postgres.port),
      KC_DB_USERNAME: postgres.username,
      KC_DB_PASSWORD: postgres.password,
      KC_HTTP_HOST: '127.0.0.1',
      KC_HTTP_PORT: String(httpPort),
      KC_HTTP_MANAGEMENT_PORT: String(managementPort),
      KC_BOOTSTRAP_ADMIN_USERNAME: 'admin',
      KC_BOOTSTRAP_ADMIN_PASSWORD: 'pod-settings-test',
    };
    keycloak = await startKeycloak(home, env, args);
  }, START_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await keycloak?.stop();
    await postgres?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  }, 60_000);

  it('keeps the realm in PostgreSQL, in the database the pod names', async () => {
    expect(env.KC_DB).toBe('postgres');
    expect(env.KC_DB_URL_DATABASE).toBe(postgres?.database);
    const realms = await postgres?.query('SELECT name FROM realm ORDER BY name');
    expect(realms?.split('\n')).toContain('quarkus');
  });

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
      const token = await passwordGrant(httpPort, host);
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

  // Last: it restarts Keycloak.
  it(
    'keeps the realm and its signing keys across a restart, and every token issued before',
    async () => {
      expect(keycloak?.log()).toMatch(/Realm 'quarkus' imported/);
      const keysBefore = await signingKeyIds(httpPort);
      expect(keysBefore.length).toBeGreaterThan(0);
      const tokenBefore = await passwordGrant(httpPort);

      await keycloak?.stop();
      // A new pod: its data directory is an emptyDir, so nothing but the database carries over.
      await rm(join(home, 'data'), { recursive: true, force: true });
      await copyRealm(home);
      keycloak = await startKeycloak(home, env, args);

      const log = keycloak.log();
      expect(log).toMatch(/Realm 'quarkus' already exists\. Import skipped/);
      expect(log).not.toMatch(/Realm 'quarkus' imported/);
      expect(await signingKeyIds(httpPort)).toEqual(keysBefore);
      // As web-api verifies it: a verifier built now knows only the keys served after the restart.
      const verifier = createTokenVerifier({
        issuer: ISSUER,
        jwksUri: `http://127.0.0.1:${httpPort}${JWKS_PATH}`,
        audience: 'web-api',
        authorizedParties: 'labs-cli',
      });
      const verified = await verifier.verify(tokenBefore);
      expect(verified.roles.has('user')).toBe(true);
    },
    START_TIMEOUT_MS + 120_000,
  );
});
