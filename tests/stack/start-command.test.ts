import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify, stripVTControlCharacters } from 'node:util';
import { ARTICLES_AUDIENCE_SCOPE, passwordGrant } from '@cns/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's quick start, exactly: `pnpm start` on the fixed local ports. With IDP=keycloak
// (`pnpm test:keycloak`), the same command runs a real Keycloak instead of the development IdP.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEYCLOAK = process.env.IDP === 'keycloak';
// Keycloak needs about 30 s to start on two cores; the first start after the download a minute.
const STARTUP_MS = KEYCLOAK ? 180_000 : 60_000;
const IDP = 'http://localhost:8080/auth/realms/quarkus';
const WEB_API = 'http://localhost:8081';
/** Health and metrics, on the management ports of the services' local.env. */
const WEB_API_MANAGEMENT = 'http://localhost:9081';
const ARTICLES_MANAGEMENT = 'http://localhost:9082';
const WEB_APP = 'http://localhost:5173';
let stack: ChildProcess;
let output = '';

async function waitFor(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within the deadline; output so far:\n${output}`);
}

beforeAll(async () => {
  for (const url of [
    `${IDP}/.well-known/openid-configuration`,
    `${WEB_API_MANAGEMENT}/health/live`,
    `${ARTICLES_MANAGEMENT}/health/live`,
    `${WEB_APP}/`,
  ]) {
    const busy = await fetch(url).then(
      () => true,
      () => false,
    );
    if (busy) throw new Error(`${url} already answers: stop the running stack before this test`);
  }
  stack = spawn('pnpm', ['start'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Tools colour their output when the environment asks for it (FORCE_COLOR); compare plain text.
  const collect = (chunk: Buffer) => (output += stripVTControlCharacters(chunk.toString()));
  stack.stdout?.on('data', collect);
  stack.stderr?.on('data', collect);
  const deadline = Date.now() + STARTUP_MS;
  await waitFor(`${IDP}/.well-known/openid-configuration`, deadline);
  await waitFor(`${ARTICLES_MANAGEMENT}/health/ready`, deadline);
  await waitFor(`${WEB_API_MANAGEMENT}/health/ready`, deadline);
  await waitFor(`${WEB_APP}/config.json`, deadline);
}, STARTUP_MS + 10_000);

afterAll(async () => {
  if (stack.exitCode === null && stack.signalCode === null) {
    process.kill(-(stack.pid ?? 0), 'SIGINT');
    await once(stack, 'exit');
  }
});

describe(`pnpm start with ${KEYCLOAK ? 'Keycloak' : 'the development IdP'}`, () => {
  it('serves the lab curl a token that web-api accepts', async () => {
    const { stdout } = await promisify(execFile)('curl', [
      '-s',
      '-d',
      'username=alice',
      '-d',
      'password=alice',
      '-d',
      'grant_type=password',
      '-d',
      'client_id=labs-cli',
      '-d',
      'scope=articles-audience',
      `${IDP}/protocol/openid-connect/token`,
    ]);
    const { access_token: token } = JSON.parse(stdout) as { access_token: string };
    const response = await fetch(`${WEB_API}/articles`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(10);
  });

  it('serves the web-app on 5173, with its runtime config and /articles on the same origin', async () => {
    const page = await fetch(`${WEB_APP}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    const config = (await (await fetch(`${WEB_APP}/config.json`)).json()) as Record<string, string>;
    expect(config).toMatchObject({ keycloakUrl: 'http://localhost:8080/auth', realm: 'quarkus' });

    const grant = await passwordGrant(`${IDP}/protocol/openid-connect/token`, 'alice', 'alice', {
      scope: ARTICLES_AUDIENCE_SCOPE,
    });
    const { access_token: token } = (await grant.json()) as { access_token: string };
    const articles = await fetch(`${WEB_APP}/articles`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(articles.status).toBe(200);
    expect(await articles.json()).toHaveLength(10);
  });

  it('prints readable, prefixed log lines', () => {
    expect(output).toMatch(
      KEYCLOAK ? /\[idp\].*Keycloak \S+ ready: issuer / : /\[idp\].*development IdP ready/,
    );
    expect(output).toMatch(/\[articles\].*listening/);
    expect(output).toMatch(/\[web-api\].*listening/);
    expect(output).toMatch(/\[web-app\].*Local:\s+http:\/\/localhost:5173\//);
  });

  it('stops every process on Ctrl-C', async () => {
    process.kill(-(stack.pid ?? 0), 'SIGINT');
    await once(stack, 'exit');
    for (const url of [
      `${IDP}/.well-known/openid-configuration`,
      `${WEB_API_MANAGEMENT}/health/live`,
      `${ARTICLES_MANAGEMENT}/health/live`,
      `${WEB_APP}/`,
    ]) {
      expect(
        await fetch(url).then(
          () => 'up',
          () => 'down',
        ),
      ).toBe('down');
    }
  }, 20_000);
});
