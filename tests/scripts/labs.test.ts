import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeBlocks,
  commands,
  loadLabs,
  scriptMessages,
  type Block,
  type Lab,
} from './lib/labs.ts';
import { ingressTls, loadManifests, loadRealm, type KubeObject } from './lib/manifests.ts';
import { ISTIO_CONTROL_PLANE, appRequests } from './lib/requests.ts';
import { ROOT, run, runScript } from './lib/run-script.ts';

// Attendees copy the labs' commands as printed. These checks keep the labs true to the scripts,
// the manifests and the realm: every file and script they name exists, every option they pass is
// one the script takes, and every name, port, host and lifetime they mention is the configured one.

const labs = loadLabs();
const manifests = loadManifests();
const realm = loadRealm();
const { host, credentialName } = ingressTls(manifests);
const oidc = manifests.literals['oidc-config'] ?? {};
const appNamespace = manifests.find('Namespace', 'demo').metadata.name;
const GATEWAY_NAMESPACE = 'istio-system';

/** Scripts other parts of the project own; the labs may name them, but need not. */
const NOT_LAB_SCRIPTS = [
  'start-service.sh',
  'start-keycloak.sh',
  'stop-keycloak.sh',
  'test-keycloak.sh',
];
const labScripts = readdirSync(`${ROOT}scripts`)
  .filter((name) => name.endsWith('.sh') && !NOT_LAB_SCRIPTS.includes(name))
  .sort();

interface CommandBlock {
  lab: Lab;
  block: Block;
  /** The expected-output block right after it, if any. */
  output: Block | undefined;
}
const commandBlocks: CommandBlock[] = labs.flatMap((lab) =>
  lab.blocks.flatMap((block, index) => {
    if (block.language !== 'bash') return [];
    const next = lab.blocks[index + 1];
    return [{ lab, block, output: next?.language === 'text' ? next : undefined }];
  }),
);
/** The labs with steps: all but the index and the troubleshooting page. */
const steppedLabs = labs.filter((lab) => /\/\d\d-[\w-]+\.md$/.test(lab.path));
const index = labs.find((lab) => lab.path.endsWith('README.md'))!;
const where = ({ lab, block }: { lab: Lab; block: Block }) => `${lab.path}:${block.line}`;
const outputBlocks = labs.flatMap((lab) =>
  lab.blocks.filter((block) => block.language === 'text').map((block) => ({ lab, block })),
);
const allCommands = commandBlocks.flatMap((entry) =>
  commands(entry.block).map((command) => ({ ...entry, command })),
);

const services = manifests.ofKind('Service');
const servicePort = (name: string) =>
  (
    services.find((service) => service.metadata.name === name)?.spec?.ports as
      { port: number }[] | undefined
  )?.[0]?.port;
const deployments = manifests.ofKind('Deployment');
const podSpec = (deployment: KubeObject) =>
  (
    deployment.spec?.template as {
      spec: { serviceAccountName?: string; containers: { name: string }[] };
    }
  ).spec;

/** Ports of the local stack: each app's local.env, and the web-app's Vite server. */
function localPorts(): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const app of ['dev-idp', 'articles', 'web-api']) {
    const port = /^PORT=(\d+)$/m.exec(readFileSync(`${ROOT}apps/${app}/local.env`, 'utf8'))?.[1];
    if (port) ports[app] = Number(port);
  }
  const vite = /port: (\d+)/.exec(readFileSync(`${ROOT}apps/web-app/vite.config.ts`, 'utf8'))?.[1];
  if (vite) ports['web-app'] = Number(vite);
  return ports;
}
const local = localPorts();

describe('the labs', () => {
  it('are all there, in order, with the index linking each', () => {
    const files = labs.map((lab) => lab.path.replace('docs/labs/', ''));
    expect(files).toEqual([
      '01-work-environment.md',
      '02-istio.md',
      '03-https-ingress.md',
      '04-keycloak.md',
      '05-deploy-services.md',
      '06-strict-mtls.md',
      '07-istio-authorization.md',
      '08-authentication-in-the-web-app.md',
      '09-authorization-in-the-services.md',
      '10-run-everything-locally.md',
      '11-token-exchange.md',
      'README.md',
      'troubleshooting.md',
    ]);
    for (const file of files.filter((name) => name !== 'README.md')) {
      expect(index.text, file).toContain(`](${file})`);
    }
  });

  it.each(steppedLabs.map((lab) => [lab.path, lab] as const))(
    '%s opens with its time, what it needs before, what you see at the end, and where to get unstuck',
    (_path, lab) => {
      const [title = '', blank, ...summary] = lab.text.split('\n');
      expect(title).toMatch(/^# /);
      expect(blank).toBe('');
      const first = summary
        .slice(0, summary.indexOf(''))
        .map((line) => line.replace(/^> ?/, ''))
        .join(' ');
      const match = /^\*\*Time\*\* (\d+) minutes · \*\*Before\*\* .+ · \*\*At the end\*\* .+$/.exec(
        first,
      );
      expect(match, first).not.toBeNull();
      // The index's table gives the same time.
      const file = lab.path.replace('docs/labs/', '');
      const row = index.text.split('\n').find((line) => line.includes(`](${file})`));
      expect(row, file).toContain(`| ${match?.[1]} min |`);
      expect(lab.text).toContain('](troubleshooting.md)');
    },
  );

  it.each(steppedLabs.map((lab) => [lab.path, lab] as const))(
    '%s has a goal, steps with commands and expected output, and a "what just happened"',
    (_path, lab) => {
      for (const heading of ['## Goal', '## Steps', '## What just happened']) {
        expect(lab.text, heading).toContain(`\n${heading}\n`);
      }
      expect(lab.blocks.some((block) => block.language === 'bash')).toBe(true);
      expect(lab.blocks.some((block) => block.language === 'text')).toBe(true);
    },
  );

  it('label every code block: bash for commands, text for output', () => {
    for (const lab of labs) {
      for (const block of lab.blocks)
        expect(['bash', 'text'], `${lab.path}:${block.line}`).toContain(block.language);
    }
  });

  it('use every lab script, and the index lists each', () => {
    const used = allCommands.map(({ command }) => command).join('\n');
    for (const script of labScripts) {
      expect(used, `no lab runs scripts/${script}`).toContain(`scripts/${script}`);
      expect(index.text, `the index does not list scripts/${script}`).toContain(
        `(../../scripts/${script})`,
      );
    }
  });
});

describe('every command block', () => {
  it.each(commandBlocks.map((entry) => [where(entry), entry] as const))(
    '%s is valid bash',
    async (_at, { block }) => {
      const result = await run('bash', ['-n'], { input: `${block.content}\n` });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(block.content).not.toMatch(/^\s*\$ /m);
    },
  );

  it('names only files, directories and scripts that exist', () => {
    const problems: string[] = [];
    for (const entry of allCommands) {
      for (const [, path] of entry.command.matchAll(
        /(?:^|[\s"'=(])((?:scripts|k8s|istio|apps|packages|docs|tests)\/[\w.@/-]*[\w/])/g,
      )) {
        if (!existsSync(`${ROOT}${path}`)) problems.push(`${where(entry)}: ${path} does not exist`);
      }
      for (const [, script] of entry.command.matchAll(/(?:^|[\s"'(])scripts\/([\w-]+\.sh)/g)) {
        try {
          accessSync(`${ROOT}scripts/${script}`, constants.X_OK);
        } catch {
          problems.push(`${where(entry)}: scripts/${script} is not an executable script`);
        }
      }
    }
    expect(problems.join('\n')).toBe('');
  });

  it('passes each script only options that it documents', async () => {
    const problems: string[] = [];
    const help = new Map<string, string>();
    for (const entry of allCommands) {
      for (const [, script, rest] of entry.command.matchAll(
        /scripts\/([\w-]+\.sh)((?:\s+[^\s|;&)]+)*)/g,
      )) {
        if (!script || !labScripts.includes(script)) continue;
        if (!help.has(script)) help.set(script, (await runScript(script, ['--help'])).stdout);
        for (const [option] of (rest ?? '').matchAll(/--[\w-]+/g)) {
          if (!help.get(script)?.includes(option)) {
            problems.push(`${where(entry)}: scripts/${script} does not take ${option}`);
          }
        }
      }
    }
    expect(problems.join('\n')).toBe('');
  });

  it('fetches a fresh token in every block that sends one, since tokens live 60 s', () => {
    const problems: string[] = [];
    for (const entry of commandBlocks) {
      for (const [, variable] of entry.block.content.matchAll(/\$\{?(\w+_token)\b/g)) {
        if (!entry.block.content.includes(`${variable}=$(scripts/get-token.sh`))
          problems.push(`${where(entry)}: $${variable} comes from an earlier block`);
      }
    }
    expect(problems.join('\n')).toBe('');
  });

  it('trusts the lab CA with curl instead of --insecure', () => {
    const problems: string[] = [];
    for (const entry of allCommands) {
      if (!/\bcurl\b/.test(entry.command)) continue;
      if (/(^|\s)(-k|--insecure)(\s|$)/.test(entry.command))
        problems.push(`${where(entry)}: --insecure`);
      const https = /https:\/\/[\w.-]*\.k8s\.local\b/.test(entry.command);
      const refusalShown = entry.output?.content.includes('curl: (60)') ?? false;
      if (https && !entry.command.includes('--cacert .cache/tls/ca.crt') && !refusalShown) {
        problems.push(`${where(entry)}: HTTPS to the app without --cacert .cache/tls/ca.crt`);
      }
    }
    expect(problems.join('\n')).toBe('');
  });
});

describe("the attendees' test command", () => {
  it('runs suites that start no other program, as lab 10 says', () => {
    const lab = labs.find((entry) => entry.path.endsWith('10-run-everything-locally.md'))!;
    expect(
      allCommands.some(({ lab: l, command }) => l === lab && command === 'pnpm test:fast'),
    ).toBe(true);
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    // The fast tier is every Vitest project named after its package: packages/*, apps/*, bench.
    expect(pkg.scripts['test:fast']).toBe("vitest run --project '@cns/*'");
    const testFiles = (dir: string): string[] =>
      readdirSync(`${ROOT}${dir}`, { withFileTypes: true }).flatMap((entry) =>
        entry.name === 'node_modules'
          ? []
          : entry.isDirectory()
            ? testFiles(`${dir}/${entry.name}`)
            : entry.name.endsWith('.test.ts')
              ? [`${dir}/${entry.name}`]
              : [],
      );
    const files = ['apps', 'packages']
      .flatMap((parent) => readdirSync(`${ROOT}${parent}`).map((name) => `${parent}/${name}`))
      .concat('bench')
      .flatMap(testFiles);
    expect(files.length).toBeGreaterThan(10);
    // A suite that starts a program other than Node would need it on the attendee's laptop.
    const starting = files.filter((file) =>
      /from 'node:child_process'|from '@playwright\//.test(readFileSync(`${ROOT}${file}`, 'utf8')),
    );
    expect(starting).toEqual([]);
  });
});

describe('names, ports and hosts in the labs agree with the manifests', () => {
  let tlsFiles: string[];
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'cns-labs-'));
    const created = await runScript('create-tls-secret.sh', ['--certificate-only'], {
      env: { TLS_DIR: scratch },
    });
    expect(created.code, created.stderr).toBe(0);
    tlsFiles = await readdir(scratch);
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('names only the files create-tls-secret.sh makes in .cache/tls', () => {
    const lab = readFileSync(`${ROOT}scripts/lib/lab.sh`, 'utf8');
    expect(lab).toContain('TLS_DIR=${TLS_DIR:-$LAB_ROOT/.cache/tls}');
    const named = labs.flatMap((entry) =>
      [...entry.text.matchAll(/\.cache\/tls\/([\w.-]+)/g)].map((match) => match[1]),
    );
    expect(named.length).toBeGreaterThan(0);
    for (const file of named) expect(tlsFiles).toContain(file);
    expect(tlsFiles).toContain(`${host}.crt`);
  });

  it("use the lab scripts' names for the app, which are the manifests' names", () => {
    const lab = readFileSync(`${ROOT}scripts/lib/lab.sh`, 'utf8');
    const value = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(lab)?.[1];
    expect(value('APP_NAMESPACE')).toBe(appNamespace);
    expect(value('ISTIO_NAMESPACE')).toBe(GATEWAY_NAMESPACE);
    expect(value('VIRTUAL_SERVICE')).toBe(manifests.ofKind('VirtualService')[0]?.metadata.name);
    expect(value('TLS_SECRET')).toBe(credentialName);
    expect(value('DEFAULT_HOST')).toBe(host);
    expect(value('REALM')).toBe(realm.realm);
    const defaultPort = (name: string) =>
      Number(new RegExp(`^${name}=\\$\\(port_setting ${name} (\\d+)\\)$`, 'm').exec(lab)?.[1]);
    expect(defaultPort('KEYCLOAK_PORT')).toBe(local['dev-idp']);
    expect(defaultPort('WEBAPI_PORT')).toBe(local['web-api']);
    expect(defaultPort('ARTICLES_PORT')).toBe(local.articles);
    expect(value('LOCAL_IDP_URL')).toBe('http://localhost:$KEYCLOAK_PORT');
    expect(value('LOCAL_WEBAPI_URL')).toBe('http://localhost:$WEBAPI_PORT');
    expect(value('LOCAL_ARTICLES_URL')).toBe('http://localhost:$ARTICLES_PORT');
    expect(value('LOCAL_WEBAPP_URL')).toBe(`http://localhost:${local['web-app']}`);
  });

  it('give every URL the host, realm and ports the app really has', () => {
    const problems: string[] = [];
    const serviceNames = services.map((service) => service.metadata.name);
    for (const lab of labs) {
      for (const [url, authority, path = ''] of lab.text.matchAll(
        /https?:\/\/([^/\s"'`)<>|;,]+)(\/[^\s"'`)<>|;,]*)?/g,
      )) {
        if (!authority || authority.includes('$')) continue;
        const [name = '', port] = authority.split(':');
        const realmPath = /^\/auth\/realms\/([\w-]+)/.exec(path)?.[1];
        if (realmPath && realmPath !== realm.realm)
          problems.push(`${lab.path}: ${url}: realm ${realmPath}`);
        if (name.endsWith('.k8s.local')) {
          if (name !== host) problems.push(`${lab.path}: ${url}: the Gateway's host is ${host}`);
          if (port) problems.push(`${lab.path}: ${url}: the ingress serves the default HTTPS port`);
        } else if (name === 'localhost' || name === '127.0.0.1') {
          const app = Object.entries(local).find(([, number]) => String(number) === port)?.[0];
          if (!app) problems.push(`${lab.path}: ${url}: no app of pnpm start listens on ${port}`);
          if (app === 'dev-idp' && path && !path.startsWith('/auth'))
            problems.push(`${lab.path}: ${url}`);
          if ((app === 'web-api' || app === 'articles') && path && !path.startsWith('/articles')) {
            problems.push(`${lab.path}: ${url}`);
          }
        } else {
          const service = name.replace(`.${appNamespace}.svc.cluster.local`, '');
          if (serviceNames.includes(service) && Number(port) !== servicePort(service)) {
            problems.push(
              `${lab.path}: ${url}: the Service ${service} listens on ${servicePort(service)}`,
            );
          }
        }
      }
    }
    expect(problems.join('\n')).toBe('');
  });

  it('quote the issuer and the key location the services are configured with', () => {
    const text = labs.map((lab) => lab.text).join('\n');
    expect(text).toContain(oidc.OIDC_ISSUER);
    expect(text).toContain(oidc.OIDC_JWKS_URI);
    for (const [issuer] of text.matchAll(/https:\/\/[\w.-]+\/auth\/realms\/\w+(?=["`\s;)]|$)/gm)) {
      expect(issuer).toBe(oidc.OIDC_ISSUER);
    }
    for (const auth of manifests.ofKind('RequestAuthentication')) {
      for (const rule of auth.spec?.jwtRules as { issuer: string }[])
        expect(rule.issuer).toBe(oidc.OIDC_ISSUER);
    }
  });

  it("name the services' ports as their Services have them", () => {
    const names = services.map((service) => service.metadata.name);
    const found: string[] = [];
    const problems: string[] = [];
    const pattern = new RegExp(
      `\\b(${names.join('|')})\\b((?:(?!${names.join('|')})[^\\n.;,|\\]])*?)(?:port |on |\\((?:port )?)(\\d{2,5})\\b(?![\\w-])`,
      'gi',
    );
    for (const lab of labs) {
      for (const [match, service = '', , port] of lab.prose.matchAll(pattern)) {
        const name = service.toLowerCase();
        const allowed = [servicePort(name), local[name === 'keycloak' ? 'dev-idp' : name]];
        found.push(match);
        if (!allowed.includes(Number(port))) problems.push(`${lab.path}: "${match}"`);
      }
    }
    expect(found.length).toBeGreaterThan(3);
    expect(problems.join('\n')).toBe('');
  });

  it('name only namespaces, Services, Deployments, containers and secrets that exist', () => {
    const problems: string[] = [];
    const namespaces = new Set([appNamespace, GATEWAY_NAMESPACE]);
    const secrets = new Set([`${GATEWAY_NAMESPACE}/${credentialName}`]);
    for (const deployment of deployments) {
      const json = JSON.stringify(deployment.spec);
      for (const [, secret] of json.matchAll(/"secretKeyRef":\{"name":"([^"]+)"/g))
        secrets.add(`${appNamespace}/${secret}`);
    }
    const deploymentNamed = (name: string) =>
      deployments.find((deployment) => deployment.metadata.name === name);
    for (const entry of allCommands) {
      const command = entry.command;
      if (!/\bkubectl\b/.test(command)) continue;
      const namespace = /(?:\s-n|--namespace)[\s=]([\w-]+)/.exec(command)?.[1] ?? 'default';
      if (!namespaces.has(namespace) && /\s(-n|--namespace)[\s=]/.test(command)) {
        problems.push(`${where(entry)}: namespace ${namespace}`);
      }
      for (const [, kind, name = ''] of command.matchAll(
        /\bget (service|svc|secret|deployment|namespace) ([\w-]+)/g,
      )) {
        const ok =
          kind === 'namespace'
            ? namespaces.has(name)
            : kind === 'secret'
              ? secrets.has(`${namespace}/${name}`)
              : kind === 'deployment'
                ? deploymentNamed(name) !== undefined
                : (name.startsWith('istio-') && namespace === GATEWAY_NAMESPACE) ||
                  services.some(
                    (service) =>
                      service.metadata.name === name && service.metadata.namespace === namespace,
                  );
        if (!ok) problems.push(`${where(entry)}: ${kind} ${name} in ${namespace}`);
      }
      for (const [, name = '', container] of command.matchAll(
        /\bdeploy(?:ment)?\/([\w-]+)(?:\s+-c\s+([\w-]+))?/g,
      )) {
        const deployment = deploymentNamed(name);
        if (!deployment) problems.push(`${where(entry)}: deployment ${name}`);
        else if (container && !podSpec(deployment).containers.some((c) => c.name === container)) {
          problems.push(`${where(entry)}: container ${container} in ${name}`);
        }
      }
    }
    for (const lab of labs) {
      for (const [name] of lab.text.matchAll(/\b[\w-]+-credential\b/g)) {
        if (name !== credentialName)
          problems.push(`${lab.path}: ${name} is not the Gateway's ${credentialName}`);
      }
    }
    expect(problems.join('\n')).toBe('');
  });

  it('name only the mesh identities the policies and service accounts have', () => {
    const principals = new Set(
      manifests
        .ofKind('AuthorizationPolicy')
        .flatMap(
          (policy) =>
            JSON.stringify(policy.spec ?? {}).match(/cluster\.local\/ns\/[\w-]+\/sa\/[\w-]+/g) ??
            [],
        ),
    );
    for (const account of manifests.ofKind('ServiceAccount')) {
      principals.add(`cluster.local/ns/${account.metadata.namespace}/sa/${account.metadata.name}`);
    }
    const named = labs.flatMap(
      (lab) => lab.text.match(/cluster\.local\/ns\/[\w-]+\/sa\/[\w-]+/g) ?? [],
    );
    expect(named.length).toBeGreaterThan(0);
    for (const principal of named) expect([...principals]).toContain(principal);
    const articlesPolicy = manifests.find('AuthorizationPolicy', 'articles');
    expect(JSON.stringify(articlesPolicy.spec)).toContain(
      `cluster.local/ns/${appNamespace}/sa/web-api`,
    );
  });

  it('state the access token lifetime the realm has', () => {
    const lifetimes: number[] = [];
    const patterns = [
      /tokens? (?:\w+ ){0,3}?(?:live|lives|is valid for|are valid for)\s+(\d+)\s*(?:s|seconds?)\b/gi,
      /valid for (\d+) s\b/g,
      /"expires_in":\s*(\d+)/g,
      /(\d+)-second token lifetime/g,
      /(\d+) of its (\d+) seconds/g,
    ];
    for (const lab of labs) {
      for (const pattern of patterns) {
        for (const match of lab.text.matchAll(pattern))
          lifetimes.push(Number(match[2] ?? match[1]));
      }
    }
    expect(lifetimes.length).toBeGreaterThan(5);
    expect(new Set(lifetimes)).toEqual(new Set([realm.accessTokenLifespan]));
  });

  it("size minikube in lab 1 by the manifests' requests, with headroom", () => {
    const lab = labs.find((entry) => entry.path.endsWith('01-work-environment.md'))!;
    const requests = appRequests(manifests);
    const prose = lab.prose.replace(/\s+/g, ' ');
    expect(prose).toContain(
      `request ${requests.cpu}m CPU and ${requests.memory} MiB of memory (${requests.cpuAtMax}m and ${requests.memoryAtMax} MiB`,
    );
    expect(prose).toContain(
      `adds ${ISTIO_CONTROL_PLANE.cpu}m and ${ISTIO_CONTROL_PLANE.memory} MiB`,
    );
    const memory = [...lab.text.matchAll(/minikube start .*--memory (\d+)/g)].map(([, mb]) =>
      Number(mb),
    );
    expect(memory.length).toBeGreaterThan(1);
    // At least 2.5 GiB beyond what the app and Istio request at their largest, for Kubernetes'
    // own pods and for what pods use beyond their requests.
    const needed = requests.memoryAtMax + ISTIO_CONTROL_PLANE.memory;
    for (const mb of memory) expect(mb - needed, `--memory ${mb}`).toBeGreaterThanOrEqual(2560);
  });

  it("show kubectl's answers about objects the manifests have", () => {
    const problems: string[] = [];
    const kinds = new Map(
      manifests.objects.map((object) => [object.kind.toLowerCase(), object.kind]),
    );
    for (const { lab, block } of outputBlocks) {
      for (const [line, resource = '', name = ''] of block.content.matchAll(
        /^([a-z]+)(?:\.[\w.]+)?\/([\w-]+) (?:created|configured|unchanged)$/gm,
      )) {
        if (resource === 'secret') {
          if (name !== credentialName) problems.push(`${lab.path}: ${line}`);
          continue;
        }
        const kind = kinds.get(resource);
        if (!kind || !manifests.ofKind(kind).some((object) => object.metadata.name === name)) {
          problems.push(`${lab.path}: ${line}`);
        }
      }
      for (const [line, pod = '', second] of block.content.matchAll(
        /^([a-z][a-z-]*?)-[a-z0-9]{8,10}-[a-z0-9]{5}\s+(\S+)/gm,
      )) {
        // Istio's own pods (lab 2) are not the app's.
        if (pod.startsWith('istio')) continue;
        const deployment = deployments.find((candidate) => candidate.metadata.name === pod);
        if (!deployment) problems.push(`${lab.path}: ${line}: no Deployment ${pod}`);
        else if (/^[a-z]/.test(second ?? '') && second !== podSpec(deployment).serviceAccountName) {
          problems.push(
            `${lab.path}: ${line}: ${pod} runs as ${podSpec(deployment).serviceAccountName}`,
          );
        }
      }
      for (const [line, name = '', mode] of block.content.matchAll(
        /^([\w-]+)\s+(STRICT|PERMISSIVE|DISABLE)\s/gm,
      )) {
        const peer = manifests
          .ofKind('PeerAuthentication')
          .find((object) => object.metadata.name === name);
        if ((peer?.spec?.mtls as { mode?: string } | undefined)?.mode !== mode)
          problems.push(`${lab.path}: ${line}`);
      }
      for (const [image] of block.content.matchAll(/cloud-native-starter\/[\w-]+:[\w.-]+/g)) {
        const images = JSON.stringify(deployments.map((deployment) => deployment.spec));
        if (!images.includes(`"image":"${image}"`)) problems.push(`${lab.path}: image ${image}`);
      }
    }
    expect(problems.join('\n')).toBe('');
  });

  it("show the scripts' messages as the scripts word them", () => {
    const library = scriptMessages(readFileSync(`${ROOT}scripts/lib/lab.sh`, 'utf8'));
    const problems: string[] = [];
    let checked = 0;
    for (const { lab, block } of outputBlocks) {
      for (const [line, script = '', message = ''] of block.content.matchAll(
        /^([\w-]+\.sh): (?:error: )?(.*)$/gm,
      )) {
        if (!existsSync(`${ROOT}scripts/${script}`)) {
          problems.push(`${lab.path}: ${line}: no scripts/${script}`);
          continue;
        }
        const own = scriptMessages(readFileSync(`${ROOT}scripts/${script}`, 'utf8'));
        const plain = message.replace(/…$/, '');
        checked += 1;
        if (![...own, ...library].some((pattern) => pattern.test(plain))) {
          problems.push(`${lab.path}: ${line}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(15);
    expect(problems.join('\n')).toBe('');
  });

  it('show the code and configuration exactly as the repository has them (read-only commands)', async () => {
    let checked = 0;
    for (const entry of commandBlocks) {
      const lines = commands(entry.block);
      if (!entry.output || !lines.every((line) => /^(grep -E |cat )/.test(line))) continue;
      const result = await run('bash', ['-c', entry.block.content]);
      expect(result.stdout.trimEnd(), where(entry)).toBe(entry.output.content.trimEnd());
      checked += 1;
    }
    expect(checked).toBeGreaterThan(5);
  });
});

describe('the lab checker itself', () => {
  it('reads fenced blocks with their language and line', () => {
    expect(codeBlocks('a\n```bash\nls\n```\n\n```text\nx\n```\n')).toEqual([
      { language: 'bash', content: 'ls', line: 2 },
      { language: 'text', content: 'x', line: 6 },
    ]);
  });

  it('turns script messages into patterns, with expansions as wildcards', () => {
    const [pattern] = scriptMessages(
      'say "keeping the CA ${ca#"$ROOT"/} (valid until $(date "+%s"))"\n',
    );
    expect(pattern?.test('keeping the CA .cache/tls/ca.crt (valid until Nov 23 2027)')).toBe(true);
    expect(pattern?.test('creating the CA .cache/tls/ca.crt')).toBe(false);
  });
});
