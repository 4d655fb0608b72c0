import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startHttpListener,
  startHttpsIngress,
  startResetListener,
  type Listener,
} from './lib/listeners.ts';
import { startDevelopmentIdp, startLocalStack, type LocalStack } from './lib/local-stack.ts';
import { ingressTls, loadManifests } from './lib/manifests.ts';
import { runScript } from './lib/run-script.ts';
import { CLUSTER_TOOLS, createStubs, freePort, pathWithout } from '@cns/test-support';

const { host } = ingressTls(loadManifests());
const COLUMNS = [
  'PLAINTEXT VIA NODEPORT',
  'INGRESS CERTIFICATE',
  'NO TOKEN',
  'WRONG ROLE (guest)',
] as const;

/** The report's table as service → cells, cut at the header's column starts, spaces collapsed. */
function parseTable(stdout: string): Record<string, string[]> {
  const lines = stdout.split('\n');
  const header = lines.find((line) => line.startsWith('SERVICE'));
  if (!header) throw new Error(`no table in:\n${stdout}`);
  const starts = COLUMNS.map((title) => header.indexOf(title));
  expect(starts.every((start) => start > 0)).toBe(true);
  const rows: Record<string, string[]> = {};
  for (const line of lines.slice(lines.indexOf(header) + 1)) {
    if (!/^[a-z]/.test(line)) break;
    const service = line.slice(0, starts[0]).trim();
    rows[service] = starts.map((start, index) =>
      line
        .slice(start, starts[index + 1] ?? line.length)
        .trim()
        .replace(/\s+/g, ' '),
    );
  }
  return rows;
}

let stack: LocalStack;
let scratch: string;
let tlsDir: string;
let strictSidecar: Listener;
let webApp: Listener;
let anything: Listener;
let ingress: Listener;
let wrongHostIngress: Listener;
let basePath: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cns-report-'));
  tlsDir = join(scratch, 'tls');
  for (const ingressHost of [host, 'other.k8s.local']) {
    const created = await runScript('create-tls-secret.sh', ['--certificate-only'], {
      env: { TLS_DIR: tlsDir, INGRESS_HOST: ingressHost },
    });
    expect(created.code, created.stderr).toBe(0);
  }
  stack = await startLocalStack(await startDevelopmentIdp());
  strictSidecar = await startResetListener();
  webApp = await startHttpListener((_req, res) => res.end('<!doctype html><title>web-app</title>'));
  anything = await startHttpListener((_req, res) => res.end('[]'));
  const routes = {
    '/auth': new URL(stack.idp.issuer).origin,
    '/articles': stack.webApi.url,
    '/': webApp.url,
  };
  const serve = async (certificateHost: string) =>
    startHttpsIngress({
      key: await readFile(join(tlsDir, `${certificateHost}.key`), 'utf8'),
      cert: await readFile(join(tlsDir, `${certificateHost}.crt`), 'utf8'),
      routes,
    });
  ingress = await serve(host);
  wrongHostIngress = await serve('other.k8s.local');
  basePath = pathWithout(join(scratch, 'path'), CLUSTER_TOOLS);
});
afterAll(async () => {
  for (const listener of [strictSidecar, webApp, anything, ingress, wrongHostIngress]) {
    await listener.close();
  }
  await stack.close();
  await stack.idp.close();
  await rm(scratch, { recursive: true, force: true });
});

/** kubectl for a cluster whose Services have the given NodePorts (the others: none). */
function cluster(name: string, nodePorts: Record<string, number | string>) {
  return createStubs(join(scratch, name), basePath, {
    kubectl: [
      'case "$*" in',
      '  *"get namespace default"*) echo namespace/default ;;',
      ...Object.entries(nodePorts).map(
        ([service, port]) => `  *"get service ${service} -n demo -o jsonpath="*) printf ${port} ;;`,
      ),
      '  *"get service "*) ;;',
      '  *) exit 1 ;;',
      'esac',
    ].join('\n'),
  });
}

describe('scripts/report-security.sh', () => {
  it('finds no risk in a locked-down cluster: STRICT NodePort, valid certificate, tokens checked', async () => {
    const stubs = cluster('locked-down', { 'web-api': strictSidecar.port });
    const result = await runScript('report-security.sh', [], {
      env: {
        PATH: stubs.path,
        NODE_ADDRESS: '127.0.0.1',
        INGRESS_URL: `https://${host}:${ingress.port}`,
        INGRESS_ADDRESS: '127.0.0.1',
        TLS_DIR: tlsDir,
      },
      timeoutMs: 60_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `Security report for https://${host}:${ingress.port}, namespace demo`,
    );
    expect(parseTable(result.stdout)).toEqual({
      articles: [
        'ok not exposed',
        '- not routed',
        '- not reachable from here',
        '- not reachable from here',
      ],
      'web-api': [
        'ok refused (connection reset)',
        `ok valid for ${host}`,
        'ok refused 401 missing_token [ingress]',
        'ok refused 403 insufficient_scope [ingress]',
      ],
      'web-app': ['ok not exposed', `ok valid for ${host}`, '- public', '- public'],
      keycloak: ['ok not exposed', `ok valid for ${host}`, '- public', '- public'],
    });
    expect(result.stdout).toContain('No risks found.');
  });

  it('flags plaintext that gets in and a certificate issued for another host, and checks tokens directly', async () => {
    const stubs = cluster('permissive', {
      'web-api': new URL(stack.webApi.url).port,
      articles: new URL(stack.articles.url).port,
    });
    const result = await runScript('report-security.sh', [], {
      env: {
        PATH: stubs.path,
        NODE_ADDRESS: '127.0.0.1',
        INGRESS_URL: `https://${host}:${wrongHostIngress.port}`,
        INGRESS_ADDRESS: '127.0.0.1',
        TLS_DIR: tlsDir,
        TOKEN_URL: stack.idp.tokenUrl,
      },
      timeoutMs: 60_000,
    });
    expect(parseTable(result.stdout)).toEqual({
      articles: [
        'RISK accepted (HTTP 200)',
        '- not routed',
        'ok refused 401 missing_token [direct]',
        'ok refused 403 insufficient_scope [direct]',
      ],
      'web-api': [
        'RISK accepted (HTTP 200)',
        `RISK not issued for ${host}`,
        'ok refused 401 missing_token [direct]',
        'ok refused 403 insufficient_scope [direct]',
      ],
      'web-app': ['ok not exposed', `RISK not issued for ${host}`, '- public', '- public'],
      keycloak: ['ok not exposed', `RISK not issued for ${host}`, '- public', '- public'],
    });
    expect(result.stdout).toContain('5 risk(s) found.');
    expect(result.code).toBe(1);
  });

  it('checks tokens directly only when plaintext got in, not past a NodePort that refused it', async () => {
    const stubs = cluster('strict-wrong-certificate', { 'web-api': strictSidecar.port });
    const result = await runScript('report-security.sh', [], {
      env: {
        PATH: stubs.path,
        NODE_ADDRESS: '127.0.0.1',
        INGRESS_URL: `https://${host}:${wrongHostIngress.port}`,
        INGRESS_ADDRESS: '127.0.0.1',
        TLS_DIR: tlsDir,
        TOKEN_URL: stack.idp.tokenUrl,
      },
      timeoutMs: 60_000,
    });
    expect(parseTable(result.stdout)['web-api']).toEqual([
      'ok refused (connection reset)',
      `RISK not issued for ${host}`,
      '- not reachable from here',
      '- not reachable from here',
    ]);
    expect(result.code).toBe(1);
  });

  it('flags a service that answers without checking tokens, on the local stack', async () => {
    const result = await runScript('report-security.sh', [], {
      env: {
        LAB_TARGET: 'local',
        TOKEN_URL: stack.idp.tokenUrl,
        ARTICLES_URL: stack.articles.url,
        WEBAPI_URL: anything.url,
        WEBAPP_URL: `http://127.0.0.1:${await freePort()}`,
        KEYCLOAK_URL: new URL(stack.idp.issuer).origin,
      },
      timeoutMs: 60_000,
    });
    expect(result.stdout).toContain('Security report for the local stack (pnpm start)');
    const rows = parseTable(result.stdout);
    expect(rows['web-api']).toEqual([
      'RISK accepted (HTTP 200)',
      '- no ingress (local stack)',
      'RISK accepted (HTTP 200) [direct]',
      'RISK accepted (HTTP 200) [direct]',
    ]);
    expect(rows['web-app']).toEqual([
      'ok closed (connection refused)',
      '- no ingress (local stack)',
      '- public',
      '- public',
    ]);
    expect(rows.keycloak?.[0]).toBe('RISK accepted (HTTP 200)');
    expect(result.code).toBe(1);
  });

  it("reads the ingress host and routes from the cluster's VirtualService", async () => {
    const stubs = createStubs(join(scratch, 'virtual-service'), basePath, {
      kubectl: [
        'case "$*" in',
        '  *"get namespace default"*) echo namespace/default ;;',
        `  *"get virtualservice demo -n demo -o jsonpath={.spec.hosts[0]}") printf ${host} ;;`,
        // kubectl prints an empty prefix for the catch-all route, which has no match.
        `  *"get virtualservice demo -n demo -o jsonpath={range"*) printf '/auth keycloak.demo.svc.cluster.local\\n/articles web-api.demo.svc.cluster.local\\n web-app.demo.svc.cluster.local\\n' ;;`,
        '  *"get service "*) ;;',
        '  *) exit 1 ;;',
        'esac',
      ].join('\n'),
    });
    const result = await runScript('report-security.sh', [], {
      env: {
        PATH: stubs.path,
        NODE_ADDRESS: '127.0.0.1',
        INGRESS_ADDRESS: '127.0.0.1',
        TOKEN_URL: stack.idp.tokenUrl,
        TLS_DIR: tlsDir,
      },
      timeoutMs: 60_000,
    });
    expect(result.stdout).toContain(`Security report for https://${host}, namespace demo`);
    const rows = parseTable(result.stdout);
    expect(rows.articles?.[1]).toBe('- not routed');
    for (const routed of ['web-api', 'web-app', 'keycloak']) {
      expect(rows[routed]?.[1], routed).not.toBe('- not routed');
    }
  });

  it('explains itself with --help and refuses unknown arguments', async () => {
    const help = await runScript('report-security.sh', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: scripts/report-security.sh');
    const bad = await runScript('report-security.sh', ['--all']);
    expect(bad.code).toBe(2);
  });
});
