import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { startIdp } from '@cns/dev-idp/testing';
import { ROOT } from './run-script.ts';

export interface IdentityProvider {
  name: 'dev-idp' | 'keycloak';
  issuer: string;
  tokenUrl: string;
  close(): Promise<void>;
}

/** A development IdP with the repository's realm on a free port. */
export async function startDevelopmentIdp(): Promise<IdentityProvider> {
  const idp = await startIdp();
  return { name: 'dev-idp', issuer: idp.issuer, tokenUrl: idp.tokenUrl, close: idp.close };
}

/** The Keycloak named by `KEYCLOAK_ISSUER` (tests/scripts/run-with-keycloak.sh starts one). */
export function runningKeycloak(): IdentityProvider | undefined {
  const issuer = process.env.KEYCLOAK_ISSUER;
  if (!issuer) return undefined;
  return {
    name: 'keycloak',
    issuer,
    tokenUrl: `${issuer}/protocol/openid-connect/token`,
    close: () => Promise.resolve(),
  };
}

export interface ServiceProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts a service's real `main.ts` on a free loopback port; resolves once it listens. */
export async function startService(
  app: 'articles' | 'web-api',
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: `${ROOT}apps/${app}`,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      MANAGEMENT_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${app} did not listen within 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${app} exited with ${code} before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string; listener?: string };
      if (entry.msg === 'listening' && !entry.listener) {
        clearTimeout(timer);
        resolve(String(entry.url));
      }
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export interface LocalStack {
  idp: IdentityProvider;
  articles: ServiceProcess;
  webApi: ServiceProcess;
  close(): Promise<void>;
}

/** articles and web-api trusting the given identity provider, as `pnpm start` wires them. */
export async function startLocalStack(idp: IdentityProvider): Promise<LocalStack> {
  const oidc = {
    OIDC_ISSUER: idp.issuer,
    OIDC_JWKS_URI: `${idp.issuer}/protocol/openid-connect/certs`,
    // The labs' tokens come from their own client, as in the services' local.env.
    OIDC_AUTHORIZED_PARTIES: 'frontend,labs-cli',
  };
  const articles = await startService('articles', oidc);
  const webApi = await startService('web-api', { ...oidc, ARTICLES_URL: articles.url });
  return {
    idp,
    articles,
    webApi,
    async close() {
      await Promise.all([webApi.stop(), articles.stop()]);
    },
  };
}
