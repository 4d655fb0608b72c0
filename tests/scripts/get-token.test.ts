import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpsIngress, type Listener } from './lib/listeners.ts';
import {
  createStubs,
  freePort,
  type IdentityProvider,
  pathWithout,
  runningKeycloak,
} from '@cns/test-support';
import { loadLabs } from './lib/labs.ts';
import { startDevelopmentIdp } from './lib/local-stack.ts';
import { ingressTls, loadManifests, loadRealm } from './lib/manifests.ts';
import { run, runScript } from './lib/run-script.ts';

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const realm = loadRealm();
const { host } = ingressTls(loadManifests());

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

const providers: [string, () => Promise<IdentityProvider>][] = [['dev-idp', startDevelopmentIdp]];
if (runningKeycloak()) providers.push(['keycloak', () => Promise.resolve(runningKeycloak()!)]);

describe.each(providers)('scripts/get-token.sh against %s', (_name, start) => {
  let idp: IdentityProvider;
  beforeAll(async () => {
    idp = await start();
  });
  afterAll(() => idp.close());
  const env = () => ({ TOKEN_URL: idp.tokenUrl });

  it("prints only alice's access token on stdout, a JWT from the realm that lives as long as the realm says", async () => {
    const result = await runScript('get-token.sh', ['alice'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const token = result.stdout.trimEnd();
    expect(result.stdout).toBe(`${token}\n`);
    expect(token).toMatch(JWT);
    const payload = claims(token);
    expect(payload).toMatchObject({
      iss: idp.issuer,
      azp: 'labs-cli',
      preferred_username: 'alice',
      realm_access: { roles: expect.arrayContaining(['user']) as unknown },
    });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(realm.accessTokenLifespan);
    expect(result.stderr).toContain(`access token of alice from ${idp.tokenUrl}`);
  });

  it('names both APIs in forward mode (the default), and web-api alone with RELAY_MODE=exchange', async () => {
    const audience = async (relayMode?: string) => {
      const extra = relayMode === undefined ? {} : { RELAY_MODE: relayMode };
      const result = await runScript('get-token.sh', ['alice'], { env: { ...env(), ...extra } });
      expect(result.code, result.stderr).toBe(0);
      return claims(result.stdout.trim()).aud;
    };
    expect(new Set((await audience()) as string[])).toEqual(new Set(['web-api', 'articles']));
    expect(await audience('exchange')).toBe('web-api');
  });

  it('works as the labs use it: export access_token=$(scripts/get-token.sh alice)', async () => {
    const result = await run(
      'bash',
      [
        '-c',
        'set -e; export access_token=$(scripts/get-token.sh alice); printf %s "$access_token"',
      ],
      { env: env() },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(JWT);
  });

  it('takes a password when it differs from the user name, and the user name when none is given', async () => {
    const explicit = await runScript('get-token.sh', ['jdoe', 'jdoe'], { env: env() });
    expect(explicit.code, explicit.stderr).toBe(0);
    expect(claims(explicit.stdout.trim()).preferred_username).toBe('jdoe');
  });

  it("gives guest a token without the realm role user (the labs' wrong-role token)", async () => {
    const result = await runScript('get-token.sh', ['guest'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const roles = (claims(result.stdout.trim()).realm_access as { roles?: string[] } | undefined)
      ?.roles;
    expect(roles ?? []).not.toContain('user');
  });

  it("fails with the identity provider's reason and prints nothing on stdout for a wrong password", async () => {
    // jdoe, not alice: Keycloak's brute-force detection counts failures per user.
    const result = await runScript('get-token.sh', ['jdoe', 'wrong-password'], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'get-token.sh: error: the identity provider refused jdoe (HTTP 400): invalid_grant (Invalid user credentials)',
    );
  });
});

describe('scripts/get-token.sh: usage and failures', () => {
  it('explains its usage with --help and refuses to run without a user', async () => {
    const help = await runScript('get-token.sh', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: scripts/get-token.sh USER [PASSWORD]');
    expect(help.stdout).toContain('export access_token=$(scripts/get-token.sh alice)');

    const missing = await runScript('get-token.sh', []);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('USER is missing');
    const extra = await runScript('get-token.sh', ['a', 'b', 'c']);
    expect(extra.code).toBe(2);
  });

  it("says that nothing answers at TOKEN_URL, with curl's own message", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/auth/realms/quarkus/protocol/openid-connect/token`;
    const result = await runScript('get-token.sh', ['alice'], { env: { TOKEN_URL: url } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('curl: (7)');
    expect(result.stderr).toContain(`no answer from ${url}: connection refused`);
  });

  it('refuses a RELAY_MODE it does not know', async () => {
    const result = await runScript('get-token.sh', ['alice'], { env: { RELAY_MODE: 'relay' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "RELAY_MODE must be forward (the default) or exchange, not 'relay'",
    );
  });

  it('refuses a TOKEN_URL that is not http(s)', async () => {
    const result = await runScript('get-token.sh', ['alice'], { env: { TOKEN_URL: 'ftp://x/y' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TOKEN_URL must be an http(s) URL');
  });

  it("asks the local stack's identity provider when no cluster answers", async () => {
    const result = await runScript('get-token.sh', ['alice'], { env: { LAB_TARGET: 'local' } });
    // Port 8080 may or may not be served right now (pnpm start); the URL is what matters.
    expect(result.stderr).toContain(
      'http://localhost:8080/auth/realms/quarkus/protocol/openid-connect/token',
    );
  });
});

describe('scripts/get-token.sh through an HTTPS ingress', () => {
  let scratch: string;
  let idp: IdentityProvider;
  let ingress: Listener;
  let tlsDir: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'cns-get-token-'));
    tlsDir = join(scratch, 'tls');
    const created = await runScript('create-tls-secret.sh', ['--certificate-only'], {
      env: { TLS_DIR: tlsDir },
    });
    expect(created.code, created.stderr).toBe(0);
    idp = await startDevelopmentIdp();
    ingress = await startHttpsIngress({
      key: await readFile(join(tlsDir, `${host}.key`), 'utf8'),
      cert: await readFile(join(tlsDir, `${host}.crt`), 'utf8'),
      routes: { '/auth': new URL(idp.issuer).origin },
    });
  });
  afterAll(async () => {
    await ingress.close();
    await idp.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('trusts the lab CA and reaches the ingress host at INGRESS_ADDRESS', async () => {
    const result = await runScript('get-token.sh', ['alice'], {
      env: {
        INGRESS_URL: `https://${host}:${ingress.port}`,
        INGRESS_ADDRESS: '127.0.0.1',
        TLS_DIR: tlsDir,
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(JWT);
    expect(result.stderr).toContain(
      `from https://${host}:${ingress.port}/auth/realms/quarkus/protocol/openid-connect/token`,
    );
  });

  it('refuses an ingress whose certificate the lab CA did not sign', async () => {
    const result = await runScript('get-token.sh', ['alice'], {
      env: {
        INGRESS_URL: `https://${host}:${ingress.port}`,
        INGRESS_ADDRESS: '127.0.0.1',
        TLS_DIR: join(scratch, 'no-such-ca'),
      },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('certificate is not trusted');
  });

  it("finds the host in the cluster's VirtualService when kubectl reaches a cluster", async () => {
    const stubs = createStubs(
      scratch,
      pathWithout(join(scratch, 'path'), ['kubectl', 'minikube']),
      {
        kubectl: [
          'case "$*" in',
          '  *"get namespace default"*) echo namespace/default ;;',
          `  *"get virtualservice demo -n demo -o jsonpath={.spec.hosts[0]}"*) printf ${host} ;;`,
          '  *) exit 1 ;;',
          'esac',
        ].join('\n'),
      },
    );
    // Nothing listens on the real HTTPS port here, so the request fails, naming its URL.
    const result = await runScript('get-token.sh', ['alice'], {
      env: { PATH: stubs.path, INGRESS_ADDRESS: '127.0.0.1', TLS_DIR: tlsDir },
    });
    expect(result.stderr).toContain(
      `https://${host}/auth/realms/quarkus/protocol/openid-connect/token`,
    );
    expect(stubs.calls()).toContain(
      'kubectl --request-timeout=10s get virtualservice demo -n demo -o jsonpath={.spec.hosts[0]}',
    );
  });

  it('says what to do when the cluster has no ingress yet', async () => {
    const stubs = createStubs(
      join(scratch, 'no-ingress'),
      pathWithout(join(scratch, 'path'), ['kubectl', 'minikube']),
      {
        kubectl:
          'case "$*" in *"get namespace default"*) echo namespace/default ;; *) exit 1 ;; esac',
      },
    );
    const result = await runScript('get-token.sh', ['alice'], { env: { PATH: stubs.path } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'the cluster has no VirtualService demo in namespace demo yet: apply istio/01-ingress.yaml (lab 3), or set INGRESS_URL',
    );
  });
});

describe('scripts/decode-token.sh', () => {
  let idp: IdentityProvider;
  beforeAll(async () => {
    idp = await startDevelopmentIdp();
  });
  afterAll(() => idp.close());

  it('prints the claims of the token in access_token, as lab 4 uses it, and says when it expires', async () => {
    const result = await run(
      'bash',
      ['-c', 'export access_token=$(scripts/get-token.sh alice) && scripts/decode-token.sh'],
      { env: { TOKEN_URL: idp.tokenUrl } },
    );
    expect(result.code, result.stderr).toBe(0);
    const decoded = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(decoded).toMatchObject({
      iss: idp.issuer,
      preferred_username: 'alice',
      azp: 'labs-cli',
    });
    expect(result.stderr).toMatch(
      new RegExp(
        `decode-token.sh: issued by ${idp.issuer}; expires in (${realm.accessTokenLifespan}|${realm.accessTokenLifespan - 1}) s`,
      ),
    );
  });

  it("prints lab 4's decoded claims as jq prints them", async () => {
    const result = await run(
      'bash',
      ['-c', 'export access_token=$(scripts/get-token.sh alice) && scripts/decode-token.sh'],
      { env: { TOKEN_URL: idp.tokenUrl } },
    );
    expect(result.code, result.stderr).toBe(0);
    // The lab shows a token of the cluster's Keycloak: another issuer, other times, more claims.
    const normalize = (line: string) =>
      line
        .replace(/"(exp|iat)": \d+/, '"$1": N')
        .replace(/"iss": "[^"]+"/, '"iss": ISSUER')
        .replace(/,$/, '');
    const printed = new Set(result.stdout.split('\n').map(normalize));
    const lab = loadLabs().find((entry) => entry.path.endsWith('04-keycloak.md'))!;
    const shown = lab.blocks.find(
      (block) => block.language === 'text' && block.content.includes('"preferred_username"'),
    )!;
    const claims = shown.content.slice(shown.content.indexOf('\n{') + 1).split('\n');
    const missing = claims.filter((line) => line.trim() !== '…' && !printed.has(normalize(line)));
    expect(missing, result.stdout).toEqual([]);
  });

  it('prints the header with --header, and refuses what is not a JWT', async () => {
    const token = (
      await runScript('get-token.sh', ['alice'], { env: { TOKEN_URL: idp.tokenUrl } })
    ).stdout.trim();
    const header = await runScript('decode-token.sh', ['--header', token]);
    expect(JSON.parse(header.stdout)).toMatchObject({ alg: 'RS256', typ: 'JWT' });

    const garbage = await runScript('decode-token.sh', ['not-a-token']);
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toContain('this is not a JWT');
    const none = await runScript('decode-token.sh', []);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no token');
  });

  it('says so when the token has expired', async () => {
    const claims = Buffer.from(JSON.stringify({ iss: 'https://issuer', exp: 1_000 })).toString(
      'base64url',
    );
    const result = await runScript('decode-token.sh', [`eyJhbGciOiJSUzI1NiJ9.${claims}.c2ln`]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/issued by https:\/\/issuer; EXPIRED \d+ s ago/);
  });
});
