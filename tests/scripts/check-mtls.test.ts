import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startResetListener, startSilentCloseListener, type Listener } from './lib/listeners.ts';
import { startIdp } from '@cns/dev-idp/testing';
import {
  createStubs,
  freePort,
  identityProvider,
  pathWithout,
  runningKeycloak,
} from '@cns/test-support';
import { startLocalStack, type LocalStack } from './lib/local-stack.ts';
import { run, runScript } from './lib/run-script.ts';

const PERMISSIVE_200 = 'PERMISSIVE: plaintext accepted (HTTP 200)\n';
const STRICT_RESET = 'STRICT: plaintext refused (connection reset)\n';

let stack: LocalStack;
let strictSidecar: Listener;
let scratch: string;
beforeAll(async () => {
  stack = await startLocalStack(await identityProvider(startIdp));
  strictSidecar = await startResetListener();
  scratch = await mkdtemp(join(tmpdir(), 'cns-check-mtls-'));
});
afterAll(async () => {
  await strictSidecar.close();
  await stack.close();
  await stack.idp.close();
  await rm(scratch, { recursive: true, force: true });
});

const check = (args: string[], env: Record<string, string> = {}) =>
  runScript('check-mtls.sh', args, { env: { TOKEN_URL: stack.idp.tokenUrl, ...env } });

describe(`scripts/check-mtls.sh against the running web-api (${runningKeycloak() ? 'Keycloak' : 'dev-idp'})`, () => {
  it('reports PERMISSIVE with HTTP 200 and exits 0 when permissive is expected', async () => {
    const result = await check(['--expect', 'permissive'], { WEBAPI_URL: stack.webApi.url });
    expect(result.stdout).toBe(PERMISSIVE_200);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `GET ${stack.webApi.url}/articles in plain HTTP with alice's token`,
    );
    expect(result.stderr).toContain('as expected: permissive');
  });

  it('reports PERMISSIVE and exits non-zero when strict is expected', async () => {
    const result = await check(['--expect', 'strict'], { WEBAPI_URL: stack.webApi.url });
    expect(result.stdout).toBe(PERMISSIVE_200);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('expected strict, but the mesh is permissive');
  });

  it("counts any HTTP answer as plaintext accepted, and shows web-api's refusal of a wrong-role token", async () => {
    const result = await check(['--expect', 'permissive', '--user', 'guest'], {
      WEBAPI_URL: stack.webApi.url,
    });
    expect(result.stdout).toBe('PERMISSIVE: plaintext accepted (HTTP 403)\n');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('"error":"insufficient_scope"');
  });
});

describe('scripts/check-mtls.sh against a listener that resets plaintext like a STRICT sidecar', () => {
  it('reports STRICT and exits 0 when strict is expected', async () => {
    const result = await check(['--expect', 'strict'], { WEBAPI_URL: strictSidecar.url });
    expect(result.stdout).toBe(STRICT_RESET);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('curl: (56) Recv failure: Connection reset by peer');
  });

  it('reports STRICT and exits non-zero when permissive is expected', async () => {
    const result = await check(['--expect=permissive'], { WEBAPI_URL: strictSidecar.url });
    expect(result.stdout).toBe(STRICT_RESET);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('expected permissive, but the mesh is strict');
  });

  it("matches lab 6's manual curl: exit code 56 and curl's reset message", async () => {
    const token = await runScript('get-token.sh', ['alice'], {
      env: { TOKEN_URL: stack.idp.tokenUrl },
    });
    const result = await run('curl', [
      '-i',
      `${strictSidecar.url}/articles`,
      '-H',
      `Authorization: Bearer ${token.stdout.trim()}`,
    ]);
    expect(result.code).toBe(56);
    expect(result.stderr).toContain('curl: (56) Recv failure: Connection reset by peer');
  });

  it('also counts a connection closed without an answer as STRICT', async () => {
    const closing = await startSilentCloseListener();
    try {
      const result = await check(['--expect', 'strict'], { WEBAPI_URL: closing.url });
      expect(result.stdout).toBe(
        'STRICT: plaintext refused (connection closed without an answer)\n',
      );
      expect(result.code).toBe(0);
    } finally {
      await closing.close();
    }
  });
});

describe('scripts/check-mtls.sh: no verdict, bad usage', () => {
  it('gives no verdict and exits 1 when nothing listens at WEBAPI_URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await check(['--expect', 'strict'], { WEBAPI_URL: url });
    expect(result.stdout).toBe(`NO VERDICT: connection refused: nothing listens there at ${url}\n`);
    expect(result.code).toBe(1);
  });

  it.each([
    [[], '--expect strict or --expect permissive is required'],
    [['--expect', 'sometimes'], "--expect must be strict or permissive, not 'sometimes'"],
    [['--expect'], '--expect needs a value'],
    [['--expect', 'strict', '--verbose'], "unknown argument '--verbose'"],
  ])('exits 2 for %j', async (args, message) => {
    const result = await check(args, { WEBAPI_URL: strictSidecar.url });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  it('refuses an https:// WEBAPI_URL: the check is about plain HTTP', async () => {
    const result = await check(['--expect', 'strict'], { WEBAPI_URL: 'https://127.0.0.1:1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('WEBAPI_URL must be a plain http:// URL');
  });

  it('exits 2 without a verdict when it cannot get a token', async () => {
    const port = await freePort();
    const result = await runScript('check-mtls.sh', ['--expect', 'strict'], {
      env: { WEBAPI_URL: strictSidecar.url, TOKEN_URL: `http://127.0.0.1:${port}/token` },
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('could not get a token for alice');
  });
});

describe("scripts/check-mtls.sh finds web-api's NodePort", () => {
  const nodePortQuery =
    'get service web-api -n demo -o jsonpath={.spec.ports[?(@.name=="http")].nodePort}';

  it('at `minikube ip` when the kubectl context is a minikube profile', async () => {
    const stubs = createStubs(
      join(scratch, 'minikube'),
      pathWithout(join(scratch, 'path'), ['kubectl', 'minikube', 'istioctl']),
      {
        kubectl: [
          'case "$*" in',
          '  "config current-context") echo lab ;;',
          '  *"get namespace default"*) echo namespace/default ;;',
          `  *'${nodePortQuery}') printf ${strictSidecar.port} ;;`,
          '  *) exit 1 ;;',
          'esac',
        ].join('\n'),
        minikube: '[ "$*" = "--profile lab ip" ] && echo 127.0.0.1',
      },
    );
    const result = await check(['--expect', 'strict'], { PATH: stubs.path });
    expect(result.stdout).toBe(STRICT_RESET);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`GET http://127.0.0.1:${strictSidecar.port}/articles`);
    expect(stubs.calls()).toContain('minikube --profile lab ip');
  });

  it("at the node's internal IP on another cluster", async () => {
    const stubs = createStubs(
      join(scratch, 'other'),
      pathWithout(join(scratch, 'path'), ['kubectl', 'minikube', 'istioctl']),
      {
        kubectl: [
          'case "$*" in',
          '  "config current-context") echo kind-lab ;;',
          '  *"get namespace default"*) echo namespace/default ;;',
          `  *'${nodePortQuery}') printf ${strictSidecar.port} ;;`,
          `  *'ExternalIP'*) ;;`,
          `  *'InternalIP'*) printf 127.0.0.1 ;;`,
          '  *) exit 1 ;;',
          'esac',
        ].join('\n'),
      },
    );
    const result = await check(['--expect', 'strict'], { PATH: stubs.path });
    expect(result.stdout).toBe(STRICT_RESET);
    expect(result.code, result.stderr).toBe(0);
  });

  it('and says what to set when web-api has no NodePort', async () => {
    const stubs = createStubs(
      join(scratch, 'cluster-ip'),
      pathWithout(join(scratch, 'path'), ['kubectl', 'minikube', 'istioctl']),
      {
        kubectl: 'case "$*" in *"get namespace default"*) echo namespace/default ;; *) ;; esac',
      },
    );
    const result = await check(['--expect', 'strict'], { PATH: stubs.path });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the Service web-api has no NodePort: set WEBAPI_URL');
  });
});
