import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestIssuer } from '@cns/test-support';
import autocannon from 'autocannon';
import { imageNodeFlags } from './image-node-flags.ts';
import { startServer, type Server } from './processes.ts';

// Instructions per request of one service in steady state, counted by callgrind: unlike CPU time,
// the count does not move with whatever else the machine does, so two builds can be compared on a
// busy machine. Counts every thread of the process (JavaScript, JIT, GC helpers), not the kernel.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = fileURLToPath(new URL('../.out/', import.meta.url));
const { values } = parseArgs({
  options: {
    service: { type: 'string', default: 'web-api' },
    'warm-up': { type: 'string', default: '3000' },
    requests: { type: 'string', default: '2000' },
  },
  strict: true,
});
const service = values.service;
const [warmUp, requests] = [Number(values['warm-up']), Number(values.requests)];
if (
  (service !== 'web-api' && service !== 'articles') ||
  ![warmUp, requests].every((count) => Number.isInteger(count) && count >= 1)
) {
  console.error(
    'usage: pnpm --filter @cns/bench instructions [--service web-api|articles] [--warm-up N] [--requests N]',
  );
  process.exit(2);
}

execFileSync('pnpm', ['--filter', '@cns/articles', '--filter', '@cns/web-api', 'run', 'build'], {
  cwd: ROOT,
  stdio: 'ignore',
});
mkdirSync(OUT, { recursive: true });
const idp = await startTestIssuer();
const authorization = `Bearer ${await idp.sign({}, { expiresInSeconds: 3600 })}`;
const servers: Server[] = [];
const env = (name: string) => ({
  OIDC_ISSUER: idp.issuer,
  OIDC_JWKS_URI: `${idp.jwksUri}?for=${name}`,
  RATE_LIMIT_PER_SECOND: '0',
});
const outFile = `${OUT}callgrind.${service}.out`;
// Counting starts switched off: the warm-up runs at valgrind's uninstrumented speed.
const callgrind = [
  'valgrind',
  '--quiet',
  '--tool=callgrind',
  '--instr-atstart=no',
  '--smc-check=all-non-file', // V8 writes machine code at run time
  `--callgrind-out-file=${outFile}`,
];

try {
  const entry = (name: string) => `${ROOT}apps/${name}/dist/main.js`;
  const flags = (name: string) => imageNodeFlags(`${ROOT}apps/${name}/Dockerfile`);
  const measured = service === 'articles' ? callgrind : [];
  const articles = await startServer(
    'articles',
    entry('articles'),
    env('articles'),
    flags('articles'),
    measured,
  );
  servers.push(articles);
  let target = articles;
  if (service === 'web-api') {
    target = await startServer(
      'web-api',
      entry('web-api'),
      { ...env('web-api'), ARTICLES_URL: articles.url },
      flags('web-api'),
      callgrind,
    );
    servers.push(target);
  }
  const run = (amount: number) =>
    autocannon({
      url: `${target.url}/articles`,
      connections: 8,
      amount,
      timeout: 60,
      headers: { authorization },
    });
  // callgrind_control finds the process by FIFOs named after $USER and $HOST, which the services'
  // environment sets to the listening address.
  const control = (...args: string[]) =>
    execFileSync('callgrind_control', [...args, String(target.pid)], {
      env: { ...process.env, HOST: '127.0.0.1' },
      stdio: 'ignore',
    });
  const warm = await run(warmUp);
  control('--instr=on');
  const result = await run(requests);
  control('--instr=off');
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  const total = Number(/^totals: (\d+)$/m.exec(readFileSync(outFile, 'utf8'))?.[1]);
  const failed = warm.errors + warm.non2xx + result.errors + result.non2xx;
  console.log(
    `${service}: ${Math.round(total / result.requests.total).toLocaleString('en')} instructions per request ` +
      `(${result.requests.total} requests after ${warmUp} to warm up; ${failed} failed; ${outFile})`,
  );
  if (failed > 0) process.exitCode = 1;
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await idp.close();
}
