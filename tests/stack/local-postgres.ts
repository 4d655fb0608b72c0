import {
  execFile,
  execFileSync,
  spawn,
  type ChildProcess,
  type SpawnOptions,
} from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@cns/test-support';

const run = promisify(execFile);
const START_TIMEOUT_MS = 60_000;

export interface LocalPostgres {
  port: number;
  database: string;
  username: string;
  password: string;
  /** Runs one SQL statement in the database with psql; its rows, one a line, fields split by `|`. */
  query(sql: string): Promise<string>;
  /** Stops the server (fast shutdown) and deletes its data directory. */
  stop(): Promise<void>;
}

/**
 * PostgreSQL refuses to run as root. As root (CI), the server runs as the `postgres` user that
 * Debian's package creates; otherwise as the current user.
 */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    throw new Error(
      "running as root, but there is no user postgres to run PostgreSQL as: install Debian's package postgresql",
    );
  }
}

/** The major version of the PostgreSQL in `bin`, e.g. `15` for `postgres (PostgreSQL) 15.14`. */
export function postgresMajorVersion(bin: string): string {
  const version = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' });
  const major = /\) (\d+)/.exec(version)?.[1];
  if (!major) throw new Error(`${join(bin, 'postgres')} --version says: ${version}`);
  return major;
}

/**
 * A throwaway PostgreSQL server on a free loopback port, with one database owned by one user who
 * logs in with a password (scram-sha-256), as the cluster's postgres Deployment sets it up.
 *
 * @param bin The directory of PostgreSQL's programs (`initdb`, `postgres`, `pg_isready`, `psql`,
 *   `createdb`), e.g. `/usr/lib/postgresql/15/bin` on Debian.
 */
export async function startLocalPostgres(bin: string): Promise<LocalPostgres> {
  const user = await serverUser();
  const options: SpawnOptions = user ? { uid: user.uid, gid: user.gid } : {};
  const home = await mkdtemp(join(tmpdir(), 'postgres-'));
  const stopped = async (server?: ChildProcess) => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT');
      await exited;
    }
    await rm(home, { recursive: true, force: true });
  };
  const credentials = { database: 'keycloak', username: 'keycloak', password: 'pod-settings-test' };
  let server: ChildProcess | undefined;
  let log = '';
  try {
    if (user) await chown(home, user.uid, user.gid);
    await chmod(home, 0o700);
    const passwordFile = join(home, 'password');
    await writeFile(passwordFile, credentials.password, { mode: 0o600 });
    if (user) await chown(passwordFile, user.uid, user.gid);
    const data = join(home, 'data');
    await run(
      join(bin, 'initdb'),
      [
        `--pgdata=${data}`,
        `--username=${credentials.username}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-sync',
      ],
      options,
    );
    const port = await freePort();
    server = spawn(
      join(bin, 'postgres'),
      // Its socket in the temporary directory: /var/run/postgresql may be missing or not writable.
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${home}`,
      ],
      { ...options, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-10_000)));
    server.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-10_000)));
    const connection = ['--host=127.0.0.1', `--port=${port}`, `--username=${credentials.username}`];
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`PostgreSQL exited (${server.exitCode})`);
      const ready = await run(join(bin, 'pg_isready'), [...connection, '--dbname=postgres']).then(
        () => true,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL did not start in ${START_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await run(join(bin, 'createdb'), [...connection, credentials.database], {
      env: { ...process.env, PGPASSWORD: credentials.password },
    });
    const running = server;
    const query = async (sql: string) =>
      (
        await run(
          join(bin, 'psql'),
          [
            ...connection,
            `--dbname=${credentials.database}`,
            '--no-align',
            '--tuples-only',
            '--command',
            sql,
          ],
          { env: { ...process.env, PGPASSWORD: credentials.password } },
        )
      ).stdout;
    return { ...credentials, port, query, stop: () => stopped(running) };
  } catch (error) {
    await stopped(server);
    throw new Error(`${(error as Error).message}\n${log}`, { cause: error });
  }
}
