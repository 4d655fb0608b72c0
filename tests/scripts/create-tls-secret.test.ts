import { X509Certificate } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadLabs } from './lib/labs.ts';
import { ingressTls, loadManifests } from './lib/manifests.ts';
import { run, runScript } from './lib/run-script.ts';
import { CLUSTER_TOOLS, createStubs, pathWithout } from '@cns/test-support';

const manifests = loadManifests();
const { host, credentialName } = ingressTls(manifests);
const gatewayNamespace = 'istio-system';

let scratch: string;
let tlsDir: string;
const file = (name: string) => join(tlsDir, name);
const openssl = (...args: string[]) => run('openssl', args);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cns-tls-'));
  tlsDir = join(scratch, 'tls');
  const result = await runScript('create-tls-secret.sh', ['--certificate-only'], {
    env: { TLS_DIR: tlsDir },
  });
  expect(result.code, result.stderr).toBe(0);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('scripts/create-tls-secret.sh --certificate-only', () => {
  it("certifies the Gateway's host by default, and names the files after it", () => {
    for (const name of ['ca.crt', 'ca.key', `${host}.crt`, `${host}.key`]) {
      expect(existsSync(file(name)), name).toBe(true);
    }
  });

  it('makes a certificate that openssl verifies against the CA, for the host', async () => {
    const result = await openssl(
      'verify',
      '-CAfile',
      file('ca.crt'),
      '-verify_hostname',
      host,
      file(`${host}.crt`),
    );
    expect(result.stdout.trim()).toBe(`${file(`${host}.crt`)}: OK`);
    expect(result.code).toBe(0);

    const wrongHost = await openssl(
      'verify',
      '-CAfile',
      file('ca.crt'),
      '-verify_hostname',
      'other.k8s.local',
      file(`${host}.crt`),
    );
    expect(wrongHost.code).not.toBe(0);
  });

  it('is an X.509 v3 server certificate whose subjectAltName is exactly DNS:<host>', async () => {
    const certificate = new X509Certificate(await readFile(file(`${host}.crt`)));
    expect(certificate.subjectAltName).toBe(`DNS:${host}`);
    expect(certificate.ca).toBe(false);
    const text = (await openssl('x509', '-in', file(`${host}.crt`), '-noout', '-text')).stdout;
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).toMatch(/Subject: .*CN ?= ?demo\.k8s\.local/);
    expect(certificate.checkIssued(new X509Certificate(await readFile(file('ca.crt'))))).toBe(true);
  });

  it("makes a CA that can sign names under the host's domain only", async () => {
    const ca = new X509Certificate(await readFile(file('ca.crt')));
    expect(ca.ca).toBe(true);
    // A certificate for a name outside k8s.local, signed with the CA's key, must not verify.
    const key = join(scratch, 'evil.key');
    const request = join(scratch, 'evil.csr');
    const extensions = join(scratch, 'evil.cnf');
    const evil = join(scratch, 'evil.crt');
    await run('bash', ['-c', `printf 'subjectAltName = DNS:bank.example.com\\n' >'${extensions}'`]);
    await openssl('genrsa', '-out', key, '2048');
    await openssl('req', '-new', '-key', key, '-subj', '/CN=bank.example.com', '-out', request);
    const signed = await openssl(
      'x509',
      '-req',
      '-in',
      request,
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-set_serial',
      '7',
      '-days',
      '1',
      '-extfile',
      extensions,
      '-out',
      evil,
    );
    expect(signed.code, signed.stderr).toBe(0);
    const result = await openssl('verify', '-CAfile', file('ca.crt'), evil);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('permitted subtree violation');
  });

  it('keeps the private keys readable by their owner only', () => {
    for (const name of ['ca.key', `${host}.key`]) {
      expect(statSync(file(name)).mode & 0o077, name).toBe(0);
    }
  });

  it('serves HTTPS that a client trusting only the CA accepts for the host, and refuses for another name', async () => {
    const server: Server = createServer(
      { key: await readFile(file(`${host}.key`)), cert: await readFile(file(`${host}.crt`)) },
      (_req, res) => res.end('ok'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const ca = await readFile(file('ca.crt'));
    const handshake = (servername: string) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, servername, ca }, () => {
          resolve('trusted');
          socket.end();
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
    try {
      expect(await handshake(host)).toBe('trusted');
      expect(await handshake('other.k8s.local')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      // Lab 3's check, with the host resolved to this listener.
      const curl = await run('curl', [
        '-sS',
        '--cacert',
        file('ca.crt'),
        '--resolve',
        `${host}:${port}:127.0.0.1`,
        `https://${host}:${port}/`,
      ]);
      expect(curl.stdout).toBe('ok');
      expect(curl.code).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("prints lab 3's TLS checks as the lab shows them, against a gateway with this certificate", async () => {
    // Nothing is deployed behind the gateway in lab 3, so it answers 503.
    const server: Server = createServer(
      { key: await readFile(file(`${host}.key`)), cert: await readFile(file(`${host}.crt`)) },
      (_req, res) => res.writeHead(503).end('no healthy upstream'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    // The lab's commands run as printed, from a directory with .cache/tls/ca.crt; curl's config
    // file sends the host's port 443 to this listener.
    const cwd = join(scratch, 'lab-3');
    await mkdir(join(cwd, '.cache/tls'), { recursive: true });
    await copyFile(file('ca.crt'), join(cwd, '.cache/tls/ca.crt'));
    await writeFile(join(cwd, '.curlrc'), `connect-to = ${host}:443:127.0.0.1:${port}\n`);
    const lab = loadLabs().find((entry) => entry.path.endsWith('03-https-ingress.md'))!;
    const checks = lab.blocks.flatMap((block, index) => {
      const output = lab.blocks[index + 1];
      return block.language === 'bash' &&
        block.content.startsWith('curl ') &&
        block.content.includes(`https://${host}/`) &&
        output?.language === 'text'
        ? [{ command: block.content, expected: output.content }]
        : [];
    });
    expect(checks.map(({ command }) => command.includes('--cacert'))).toEqual([true, false]);
    try {
      for (const { command, expected } of checks) {
        const result = await run('bash', ['-c', command], { cwd, env: { CURL_HOME: cwd } });
        // The lab shows curl's first lines; it explains a refusal in a few more.
        const lines = (result.stdout + result.stderr).split('\n');
        const shown = expected.trimEnd().split('\n');
        expect(lines.slice(0, shown.length), command).toEqual(shown);
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps a good CA and certificate when run again, and --renew replaces only the certificate', async () => {
    const fingerprint = async (name: string) =>
      new X509Certificate(await readFile(file(name))).fingerprint256;
    const ca = await fingerprint('ca.crt');
    const server = await fingerprint(`${host}.crt`);

    const again = await runScript('create-tls-secret.sh', ['--certificate-only'], {
      env: { TLS_DIR: tlsDir },
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('keeping the CA');
    expect(again.stderr).toContain(`keeping the certificate`);
    expect(await fingerprint('ca.crt')).toBe(ca);
    expect(await fingerprint(`${host}.crt`)).toBe(server);

    const renewed = await runScript('create-tls-secret.sh', ['--certificate-only', '--renew'], {
      env: { TLS_DIR: tlsDir },
    });
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(await fingerprint('ca.crt')).toBe(ca);
    expect(await fingerprint(`${host}.crt`)).not.toBe(server);
    const verified = await openssl('verify', '-CAfile', file('ca.crt'), file(`${host}.crt`));
    expect(verified.code).toBe(0);
  });

  it('makes a new certificate when INGRESS_HOST changes', async () => {
    const dir = join(scratch, 'other-host');
    const first = await runScript('create-tls-secret.sh', ['--certificate-only'], {
      env: { TLS_DIR: dir },
    });
    expect(first.code).toBe(0);
    const second = await runScript('create-tls-secret.sh', ['--certificate-only'], {
      env: { TLS_DIR: dir, INGRESS_HOST: 'shop.k8s.local' },
    });
    expect(second.code, second.stderr).toBe(0);
    const certificate = new X509Certificate(await readFile(join(dir, 'shop.k8s.local.crt')));
    expect(certificate.subjectAltName).toBe('DNS:shop.k8s.local');
  });

  it('refuses a host name that is not a DNS name', async () => {
    const result = await runScript('create-tls-secret.sh', ['--certificate-only'], {
      env: { TLS_DIR: join(scratch, 'bad'), INGRESS_HOST: 'Demo K8s' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('INGRESS_HOST must be a lower-case DNS name');
  });
});

describe('scripts/create-tls-secret.sh with the secret', () => {
  it('stops before making any file when kubectl is missing', async () => {
    const dir = join(scratch, 'no-kubectl');
    const result = await runScript('create-tls-secret.sh', [], {
      env: { TLS_DIR: dir, PATH: pathWithout(join(scratch, 'path'), CLUSTER_TOOLS) },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('kubectl not found');
    expect(existsSync(dir)).toBe(false);
  });

  it("stores the certificate as the Gateway's credential, in the gateway's namespace", async () => {
    const realKubectl = (await run('bash', ['-c', 'command -v kubectl'])).stdout.trim();
    const stubs = createStubs(
      join(scratch, 'cluster'),
      pathWithout(join(scratch, 'path'), CLUSTER_TOOLS),
      {
        kubectl: [
          'case "$*" in',
          '  *"get namespace default"*|*"get namespace istio-system"*) echo namespace/x ;;',
          // Rendering the Secret needs no cluster: the real kubectl does it.
          `  "create secret tls"*) exec '${realKubectl}' "$@" ;;`,
          '  *"apply -f -") echo "secret/x configured" ;;',
          '  *) exit 1 ;;',
          'esac',
        ].join('\n'),
      },
    );
    const result = await runScript('create-tls-secret.sh', [], {
      env: { TLS_DIR: tlsDir, PATH: stubs.path },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(stubs.calls()).toContain(
      `kubectl create secret tls ${credentialName} --namespace ${gatewayNamespace} --cert ${file(`${host}.crt`)} --key ${file(`${host}.key`)} --dry-run=client --output yaml`,
    );
    const [applied] = stubs.inputs();
    const secret = parse(applied ?? '') as {
      kind: string;
      type: string;
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    expect(secret).toMatchObject({
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: credentialName, namespace: gatewayNamespace },
    });
    expect(Buffer.from(secret.data['tls.crt'] ?? '', 'base64').toString()).toBe(
      await readFile(file(`${host}.crt`), 'utf8'),
    );
  });

  it('says to install Istio first when istio-system does not exist', async () => {
    const stubs = createStubs(
      join(scratch, 'no-istio'),
      pathWithout(join(scratch, 'path'), CLUSTER_TOOLS),
      {
        kubectl:
          'case "$*" in *"get namespace default"*) echo namespace/default ;; *) exit 1 ;; esac',
      },
    );
    const result = await runScript('create-tls-secret.sh', [], {
      env: { TLS_DIR: tlsDir, PATH: stubs.path },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('install Istio first (scripts/setup-istio.sh, lab 2)');
  });
});
