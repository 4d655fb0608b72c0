import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '@cns/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runScript } from './lib/run-script.ts';

// `pnpm start` on other ports, for an attendee whose 8080 is taken: each app started as
// package.json starts it, and the lab scripts finding them through the same settings.

interface Started {
  child: ChildProcess;
  output: () => string;
}

const children: Started[] = [];

/** Runs a command in its own process group, so stopping it also stops pnpm's children. */
function start(command: string, args: string[], env: Record<string, string>): Started {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const started = { child, output: () => output };
  children.push(started);
  return started;
}

/** Resolves once the URL answers at all; fails with the process's output after 90 s. */
async function answering(url: string, started: Started): Promise<void> {
  // Generous: the suites run side by side, and each app starts through pnpm and tsx.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) break;
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${url} did not answer:\n${started.output()}`);
}

let ports: Record<
  | 'KEYCLOAK_PORT'
  | 'WEBAPI_PORT'
  | 'ARTICLES_PORT'
  | 'WEBAPI_MANAGEMENT_PORT'
  | 'ARTICLES_MANAGEMENT_PORT',
  string
>;

beforeAll(async () => {
  ports = {
    KEYCLOAK_PORT: String(await freePort()),
    WEBAPI_PORT: String(await freePort()),
    ARTICLES_PORT: String(await freePort()),
    WEBAPI_MANAGEMENT_PORT: String(await freePort()),
    ARTICLES_MANAGEMENT_PORT: String(await freePort()),
  };
  const apps = ['idp', 'articles', 'web-api'] as const;
  const started = apps.map((app) => start('scripts/start-service.sh', [app], ports));
  await answering(`http://localhost:${ports.KEYCLOAK_PORT}/auth/realms/quarkus`, started[0]!);
  await answering(`http://localhost:${ports.ARTICLES_PORT}/articles`, started[1]!);
  await answering(`http://localhost:${ports.WEBAPI_PORT}/articles`, started[2]!);
}, 300_000);

afterAll(async () => {
  for (const { child } of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch (error) {
      // The group may be gone already; anything else is a real failure.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    await exited;
  }
}, 30_000);

describe('pnpm start on other ports (scripts/start-service.sh)', () => {
  it('moves the IdP, and get-token.sh finds it with the same KEYCLOAK_PORT', async () => {
    const result = await runScript('get-token.sh', ['alice'], {
      env: { LAB_TARGET: 'local', ...ports },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `from http://localhost:${ports.KEYCLOAK_PORT}/auth/realms/quarkus/protocol/openid-connect/token`,
    );
  });

  it('wires web-api to the moved articles and IdP, and check-mtls.sh finds it with WEBAPI_PORT', async () => {
    const result = await runScript('check-mtls.sh', ['--expect', 'permissive'], {
      env: { LAB_TARGET: 'local', ...ports },
    });
    expect(result.stdout).toContain('PERMISSIVE: plaintext accepted (HTTP 200)');
    expect(result.code, result.stderr).toBe(0);
  });

  it("moves the services' health and metrics ports too", async () => {
    for (const name of ['WEBAPI_MANAGEMENT_PORT', 'ARTICLES_MANAGEMENT_PORT'] as const) {
      const ready = await fetch(`http://127.0.0.1:${ports[name]}/health/ready`);
      expect({ name, status: ready.status }).toEqual({ name, status: 200 });
    }
  });

  it("points the web-app's /config.json and /articles proxy at the moved IdP and web-api", async () => {
    const port = String(await freePort());
    // The web-app's own port stays 5173 under pnpm start; here a free one, so tests never collide.
    const vite = start('pnpm', ['--filter', '@cns/web-app', 'exec', 'vite', '--port', port], ports);
    await answering(`http://localhost:${port}/`, vite);
    const config = (await (await fetch(`http://localhost:${port}/config.json`)).json()) as {
      keycloakUrl: string;
      scope: string;
    };
    expect(config.keycloakUrl).toBe(`http://localhost:${ports.KEYCLOAK_PORT}/auth`);
    expect(config.scope).toBe('articles-audience');
    const articles = await fetch(`http://localhost:${port}/articles`);
    expect(articles.status).toBe(401);
    expect(await articles.json()).toMatchObject({ error: 'missing_token' });
  });

  it("asks for no scope in the web-app's /config.json with RELAY_MODE=exchange, keeping the rest", async () => {
    const port = String(await freePort());
    const vite = start('pnpm', ['--filter', '@cns/web-app', 'exec', 'vite', '--port', port], {
      RELAY_MODE: 'exchange',
    });
    await answering(`http://localhost:${port}/`, vite);
    const config: unknown = await (await fetch(`http://localhost:${port}/config.json`)).json();
    expect(config).toEqual({
      keycloakUrl: 'http://localhost:8080/auth',
      realm: 'quarkus',
      clientId: 'frontend',
      apiBaseUrl: '',
      scope: '',
    });
  });

  it('refuses a port that is not a number, and an app it does not know', async () => {
    const port = await runScript('start-service.sh', ['articles'], {
      env: { ARTICLES_PORT: 'http' },
    });
    expect(port.code).toBe(2);
    expect(port.stderr).toContain("ARTICLES_PORT must be a port number, not 'http'");
    const app = await runScript('start-service.sh', ['keycloak']);
    expect(app.code).toBe(2);
    expect(app.stderr).toContain("unknown app 'keycloak'");
  });
});
