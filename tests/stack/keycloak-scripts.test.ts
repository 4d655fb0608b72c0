import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@cns/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The scripts' refusals, which must come before any download or start. The happy path is
// `pnpm test:keycloak`, which starts a real Keycloak with them.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'scripts', script),
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cns-keycloak-scripts-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A JAVA_HOME whose java reports the given specification version, as `java -XshowSettings` does. */
async function fakeJavaHome(version: string): Promise<string> {
  const home = join(scratch, `java-${version}`);
  await mkdir(join(home, 'bin'), { recursive: true });
  await writeFile(
    join(home, 'bin', 'java'),
    `#!/bin/sh\necho "    java.home = ${home}\n    java.specification.version = ${version}" >&2\n`,
  );
  await chmod(join(home, 'bin', 'java'), 0o755);
  return home;
}

describe('scripts/start-keycloak.sh', () => {
  it('refuses a JAVA_HOME without bin/java and says what to do', async () => {
    const result = await run('start-keycloak.sh', [], {
      KEYCLOAK_PORT: String(await freePort()),
      JAVA_HOME: join(scratch, 'nothing-here'),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`JAVA_HOME=${join(scratch, 'nothing-here')} has no bin/java`);
    expect(result.stderr).toContain('17, 21 or 25');
  });

  it('refuses a Java version Keycloak does not support, naming the ones it does', async () => {
    const home = await fakeJavaHome('11');
    const result = await run('start-keycloak.sh', [], {
      KEYCLOAK_PORT: String(await freePort()),
      JAVA_HOME: home,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `JAVA_HOME=${home} is Java 11; Keycloak 26.7.3 runs on Java 17, 21 or 25`,
    );
  });

  it('refuses a port that is already taken instead of starting a second server', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = await run('start-keycloak.sh', [], { KEYCLOAK_PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`port ${port} is already in use`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses an unknown option and a port that is not a number', async () => {
    const option = await run('start-keycloak.sh', ['--detach'], {});
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown argument '--detach'");
    const port = await run('start-keycloak.sh', [], { KEYCLOAK_PORT: 'http' });
    expect(port.code).toBe(2);
    expect(port.stderr).toContain("KEYCLOAK_PORT must be a port number, not 'http'");
  });

  it('prints its usage with --help', async () => {
    const result = await run('start-keycloak.sh', ['--help'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: scripts\/start-keycloak\.sh \[--foreground\]$/m);
    expect(result.stdout).toContain('KEYCLOAK_PORT');
  });
});

describe('scripts/stop-keycloak.sh', () => {
  it('does nothing, successfully, when no Keycloak runs on the port', async () => {
    const port = String(await freePort());
    const result = await run('stop-keycloak.sh', [], { KEYCLOAK_PORT: port });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `no Keycloak started by scripts/start-keycloak.sh is running on port ${port}`,
    );
  });
});

describe('scripts/start-service.sh idp', () => {
  it('refuses an IDP it does not know', async () => {
    const result = await run('start-service.sh', ['idp'], { IDP: 'keyclaok' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "IDP must be dev-idp (the default) or keycloak, not 'keyclaok'",
    );
  });
});
