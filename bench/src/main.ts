import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startIdp } from '@cns/dev-idp/testing';
import { passwordGrant, startTestIssuer } from '@cns/test-support';
import { build } from 'esbuild';
import { imageNodeFlags } from './image-node-flags.ts';
import { load, type Credentials } from './load.ts';
import { measure } from './measure.ts';
import { rotatingUserTokens, USERS } from './many-users.ts';
import { startServer, type Server } from './processes.ts';
import { formatChecks, formatRuns, type Check, type Run } from './report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = fileURLToPath(new URL('../.out/', import.meta.url));
const CONNECTIONS = [1, 16, 64] as const;

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '10' }, json: { type: 'string' } },
  strict: true,
});
const seconds = Number(values.duration);
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) {
  console.error('usage: pnpm bench [--duration SECONDS (1..600)] [--json FILE]');
  process.exit(2);
}

console.log('building the services as the images do, and the bench-only entries…');
execFileSync('pnpm', ['--filter', '@cns/articles', '--filter', '@cns/web-api', 'run', 'build'], {
  cwd: ROOT,
  stdio: 'ignore',
});
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: {
    'passthrough-articles': 'src/passthrough-articles.ts',
    'ceiling-server': 'src/ceiling-server.ts',
    'express-floor': 'src/express-floor.ts',
  },
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  outdir: OUT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

const idp = await startTestIssuer();
const authorization = `Bearer ${await idp.sign({}, { expiresInSeconds: 3600 })}`;
// Access tokens live 60 s in the realm; in longer runs they have to outlive the run.
const userTokenLifetime = Math.max(60, seconds + 30);
// Token exchange needs an IdP that exchanges: the development IdP, in this process.
const exchangeSecret = randomBytes(24).toString('base64url');
const exchangeIdp = await startIdp({
  accessTokenLifespan: userTokenLifetime,
  variables: { WEB_API_CLIENT_SECRET: exchangeSecret },
});
const servers: Server[] = [];
const start = async (
  name: string,
  entry: string,
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
) => {
  const server = await startServer(name, entry, env, nodeFlags);
  servers.push(server);
  return server;
};
// All load comes from one address: the per-address rate limit would measure itself.
const serviceEnv = (name: string) => ({
  OIDC_ISSUER: idp.issuer,
  OIDC_JWKS_URI: `${idp.jwksUri}?for=${name}`,
  RATE_LIMIT_PER_SECOND: '0',
});

try {
  const flags = imageNodeFlags(`${ROOT}apps/articles/Dockerfile`);
  console.log(`running the services with their images' node flags: ${flags.join(' ') || '(none)'}`);
  const articles = await start(
    'articles',
    `${ROOT}apps/articles/dist/main.js`,
    serviceEnv('articles'),
    flags,
  );
  const webApi = await start(
    'web-api',
    `${ROOT}apps/web-api/dist/main.js`,
    { ...serviceEnv('web-api'), ARTICLES_URL: articles.url },
    imageNodeFlags(`${ROOT}apps/web-api/Dockerfile`),
  );
  // The same chain in RELAY_MODE=exchange: web-api exchanges the caller's token at the IdP once
  // and reuses the result; articles accepts only exchanged tokens.
  const exchangeEnv = {
    OIDC_ISSUER: exchangeIdp.issuer,
    OIDC_JWKS_URI: `${exchangeIdp.issuer}/protocol/openid-connect/certs`,
    RATE_LIMIT_PER_SECOND: '0',
  };
  const exchangeArticles = await start(
    'articles (exchange)',
    `${ROOT}apps/articles/dist/main.js`,
    { ...exchangeEnv, OIDC_AUTHORIZED_PARTIES: 'web-api' },
    flags,
  );
  const exchangeWebApi = await start(
    'web-api (exchange)',
    `${ROOT}apps/web-api/dist/main.js`,
    {
      ...exchangeEnv,
      OIDC_AUTHORIZED_PARTIES: 'labs-cli',
      ARTICLES_URL: exchangeArticles.url,
      RELAY_MODE: 'exchange',
      OIDC_TOKEN_ENDPOINT: exchangeIdp.tokenUrl,
      WEB_API_CLIENT_SECRET: exchangeSecret,
    },
    imageNodeFlags(`${ROOT}apps/web-api/Dockerfile`),
  );
  const grant = await passwordGrant(exchangeIdp.tokenUrl, 'alice');
  const exchangeAuthorization = `Bearer ${((await grant.json()) as { access_token: string }).access_token}`;
  const passthrough = await start(
    'articles (no verification)',
    `${OUT}passthrough-articles.js`,
    {},
    flags,
  );
  const body = await (await fetch(`${webApi.url}/articles`, { headers: { authorization } })).text();
  writeFileSync(`${OUT}ceiling-body.json`, body);
  const ceiling = await start('node:http ceiling', `${OUT}ceiling-server.js`, {
    BODY_FILE: `${OUT}ceiling-body.json`,
  });
  const expressFloor = await start('express, one route', `${OUT}express-floor.js`, {
    BODY_FILE: `${OUT}ceiling-body.json`,
  });

  const oneToken = () => Promise.resolve<Credentials>(authorization);
  const manyUsers = () => rotatingUserTokens(idp, userTokenLifetime);
  const targets: {
    name: string;
    url: string;
    through: Server[];
    connections: readonly number[];
    credentials: () => Promise<Credentials>;
    /** The header of the warm-up; default: the one token of the test issuer. */
    warmUp?: string;
  }[] = [
    {
      name: 'chain (web-api)',
      url: `${webApi.url}/articles`,
      through: [webApi, articles],
      connections: CONNECTIONS,
      credentials: oneToken,
    },
    {
      name: 'chain, token exchange',
      url: `${exchangeWebApi.url}/articles`,
      through: [exchangeWebApi, exchangeArticles],
      connections: [16, 64],
      credentials: () => Promise.resolve<Credentials>(exchangeAuthorization),
      warmUp: exchangeAuthorization,
    },
    // Fresh tokens for every run, so that each run pays the first-use checks again.
    {
      name: 'chain, many users',
      url: `${webApi.url}/articles`,
      through: [webApi, articles],
      connections: [16, 64],
      credentials: manyUsers,
    },
    {
      name: 'articles',
      url: `${articles.url}/articles`,
      through: [articles],
      connections: CONNECTIONS,
      credentials: oneToken,
    },
    {
      name: 'articles, no verify',
      url: `${passthrough.url}/articles`,
      through: [passthrough],
      connections: CONNECTIONS,
      credentials: oneToken,
    },
    {
      name: 'express, one route',
      url: `${expressFloor.url}/`,
      through: [expressFloor],
      connections: CONNECTIONS,
      credentials: oneToken,
    },
    {
      name: 'node:http ceiling',
      url: `${ceiling.url}/`,
      through: [ceiling],
      connections: CONNECTIONS,
      credentials: oneToken,
    },
  ];
  const runs: Run[] = [];
  for (const target of targets) {
    await load(target.url, 16, 1, target.warmUp ?? authorization); // warm-up: JIT, connection pools
    for (const connections of target.connections) {
      const credentials = await target.credentials();
      runs.push(await measure(target, { connections, seconds, credentials }, servers));
      console.log(
        formatRuns([runs.at(-1) as Run])
          .split('\n')
          .at(-1),
      );
    }
  }

  const at = (name: string, connections: number) =>
    runs.find((run) => run.target === name && run.connections === connections) as Run;
  const chain64 = at('chain (web-api)', 64);
  const chain16 = at('chain (web-api)', 16);
  const many64 = at('chain, many users', 64);
  const exchange64 = at('chain, token exchange', 64);
  const ceiling64 = at('node:http ceiling', 64);
  const ceiling16 = at('node:http ceiling', 16);
  const authOverhead = 1 - at('articles', 64).rps / at('articles, no verify', 64).rps;
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  const jwksFetches = {
    articles: idp.jwksRequestUrls.filter((url) => url.endsWith('for=articles')).length,
    'web-api': idp.jwksRequestUrls.filter((url) => url.endsWith('for=web-api')).length,
  };
  const rssMb = { articles: articles.peakRssMb(), 'web-api': webApi.peakRssMb() };
  const percent = (ratio: number) => `${(100 * ratio).toFixed(1)} %`;
  const cpuOf = (run: Run, service: string) => run.cpuUsPerRequest[service] ?? Infinity;
  const cpuCheck = (service: string, limitUs: number): Check => ({
    name: `${service} CPU per chain request, 16 / 64`,
    value: `${chain16.cpuUsPerRequest[service]} / ${chain64.cpuUsPerRequest[service]} µs`,
    target: `≤ ${limitUs} µs`,
    met: cpuOf(chain16, service) <= limitUs && cpuOf(chain64, service) <= limitUs,
  });
  const checks: Check[] = [
    {
      name: 'chain / ceiling at 16 connections',
      value: percent(chain16.rps / ceiling16.rps),
      target: '≥ 10 %',
      met: chain16.rps >= 0.1 * ceiling16.rps,
    },
    {
      name: 'chain / ceiling at 64 connections',
      value: percent(chain64.rps / ceiling64.rps),
      target: '≥ 10 %',
      met: chain64.rps >= 0.1 * ceiling64.rps,
    },
    {
      name: 'chain req/s at 64 / at 16 connections',
      value: percent(chain64.rps / chain16.rps),
      target: '≥ 90 %',
      met: chain64.rps >= 0.9 * chain16.rps,
    },
    {
      name: 'chain p99 at 16 connections',
      value: `${chain16.p99Ms} ms`,
      target: '< 25 ms',
      met: chain16.p99Ms < 25,
    },
    {
      name: 'chain p99 at 64 connections',
      value: `${chain64.p99Ms} ms`,
      target: '< 50 ms',
      met: chain64.p99Ms < 50,
    },
    {
      // The load tests' old floor, a throughput figure that belongs here rather than in a test.
      name: 'chain req/s at 64 connections',
      value: `${chain64.rps} req/s`,
      target: '≥ 200 req/s',
      met: chain64.rps >= 200,
    },
    cpuCheck('web-api', 450),
    cpuCheck('articles', 300),
    { name: 'errors', value: String(errors), target: '0', met: errors === 0 },
    {
      name: 'auth overhead at 64 connections',
      value: percent(authOverhead),
      target: '≤ 10 %',
      met: authOverhead <= 0.1,
    },
    {
      name: 'JWKS fetches articles / web-api',
      value: `${jwksFetches.articles} / ${jwksFetches['web-api']}`,
      target: '1 / 1',
      met: jwksFetches.articles === 1 && jwksFetches['web-api'] === 1,
    },
    {
      name: 'peak RSS articles / web-api',
      value: `${rssMb.articles} / ${rssMb['web-api']} MB`,
      target: '< 120 MB',
      met: (rssMb.articles ?? 0) < 120 && (rssMb['web-api'] ?? 0) < 120,
    },
  ];
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

  console.log(
    `\n${machine}, ${seconds} s per run\n\n${formatRuns(runs)}\n\n${formatChecks(checks)}`,
  );
  if (values.json) {
    const figures = {
      machine,
      duration_seconds: seconds,
      chain_rps: chain64.rps,
      ceiling_rps: ceiling64.rps,
      chain_to_ceiling: Number((chain64.rps / ceiling64.rps).toFixed(4)),
      chain_p99_ms: chain64.p99Ms,
      chain_rps_16: chain16.rps,
      ceiling_rps_16: ceiling16.rps,
      chain_p99_ms_16: chain16.p99Ms,
      cpu_us_per_request: chain64.cpuUsPerRequest,
      many_users: {
        users: USERS,
        chain_rps: many64.rps,
        chain_p99_ms: many64.p99Ms,
        cpu_us_per_request: many64.cpuUsPerRequest,
      },
      token_exchange: {
        chain_rps: exchange64.rps,
        chain_p99_ms: exchange64.p99Ms,
        cpu_us_per_request: exchange64.cpuUsPerRequest,
      },
      auth_overhead: Number(authOverhead.toFixed(4)),
      errors,
      jwks_fetches: jwksFetches,
      rss_mb: rssMb,
      checks,
      runs,
    };
    // Relative to where `pnpm bench` was typed, not to this package.
    writeFileSync(
      resolve(process.env.INIT_CWD ?? process.cwd(), values.json),
      `${JSON.stringify(figures, null, 2)}\n`,
    );
  }
  // Timing depends on the machine; correctness does not. Fail only on what must never happen.
  const perRequestFetching = Object.values(jwksFetches).some((count) => count > 1);
  if (errors > 0 || perRequestFetching) {
    console.error(
      `\nbench: ${errors} failed requests, JWKS fetches ${JSON.stringify(jwksFetches)}`,
    );
    process.exitCode = 1;
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await idp.close();
  await exchangeIdp.close();
}
