/**
 * Running moto_server, a local AWS emulator (Secrets Manager, DynamoDB, CloudWatch, on one port), as a child
 * process. No vitest import: the global setup uses this module too.
 *
 * The server only listens on 127.0.0.1. It is stopped by `stop()`, and also when the test process dies in any
 * way (a watcher stops it when the test process's end of its stdin pipe closes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { MOTO_SERVER } from './toolchain.js';

export const MOTO_EXECUTABLE = MOTO_SERVER.command;
export const MOTO_INSTALL_HINT = MOTO_SERVER.install;

export interface MotoServer {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  stop(): Promise<void>;
}

const STARTUP_DEADLINE_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const POLL_INTERVAL_MS = 50;
const START_ATTEMPTS = 3;

/** True when `moto_server` is an executable on PATH. */
export function isMotoInstalled(): boolean {
  const names = process.platform === 'win32' ? [`${MOTO_EXECUTABLE}.exe`, `${MOTO_EXECUTABLE}.cmd`] : [MOTO_EXECUTABLE];
  for (const directory of (process.env['PATH'] ?? '').split(delimiter)) {
    if (directory === '') continue;
    for (const name of names) {
      try {
        accessSync(join(directory, name), constants.X_OK);
        return true;
      } catch {
        // not in this directory
      }
    }
  }
  return false;
}

/** Starts moto_server on a free loopback port and resolves once it answers HTTP. */
export async function startMoto(): Promise<MotoServer> {
  let lastError: unknown;
  // Another process can take the free port between our probe and moto's bind: try again on a new one.
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startMotoOnce(await freeLoopbackPort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) stopChildNow(child);
  });
}

/** Closing stdin makes the POSIX watcher stop moto; elsewhere moto is signalled directly. */
function stopChildNow(child: ChildProcess): void {
  child.stdin?.destroy();
  if (process.platform === 'win32') child.kill();
}

// The shell runs moto in the background and a watcher that stops it when our end of stdin closes (stop(), or
// this process dying, even by SIGKILL). Background jobs get /dev/null as stdin, hence the copy on fd 3.
// `wait` makes the shell exit with moto, so an early exit (port taken) is seen as this child's exit.
const WATCHER_SCRIPT = [
  'exec 3<&0',
  '"$0" "$@" 3<&- &',
  'moto=$!',
  '( read -r _ <&3; kill "$moto" 2>/dev/null ) &',
  'exec 3<&-',
  'wait "$moto"',
].join('\n');

async function startMotoOnce(port: number): Promise<MotoServer> {
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const child =
    process.platform === 'win32'
      ? spawn(MOTO_EXECUTABLE, args, { stdio: ['pipe', 'ignore', 'pipe'] })
      : spawn('/bin/sh', ['-c', WATCHER_SCRIPT, MOTO_EXECUTABLE, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
  installExitHook();
  running.add(child);

  // moto logs every request on stderr: keep only the tail, for the error message when it does not start.
  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      child.stdin?.destroy();
      resolve();
    });
  });
  let exitedEarly = false;
  void exited.then(() => {
    exitedEarly = true;
  });
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`could not run ${MOTO_EXECUTABLE}: ${error.message}`, { cause: error })));
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stopChildNow(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  try {
    await Promise.race([
      spawnFailed,
      (async () => {
        while (!(await answersHttp(`${endpoint}/moto-api/`))) {
          if (exitedEarly) throw new Error(`${MOTO_EXECUTABLE} exited during startup:\n${stderrTail}`);
          if (Date.now() > deadline)
            throw new Error(`${MOTO_EXECUTABLE} did not answer on ${endpoint} within ${STARTUP_DEADLINE_MS} ms:\n${stderrTail}`);
          await sleep(POLL_INTERVAL_MS);
        }
      })(),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port on 127.0.0.1'))));
    });
  });
}

/** True when anything answers an HTTP GET at `url`, whatever the status. */
function answersHttp(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: 1_000 }, (response) => {
      response.resume();
      resolve(true);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function missingMotoWarning(skipped: string): string {
  const line = '!'.repeat(100);
  return (
    `\n${line}\n` +
    `!! ${MOTO_EXECUTABLE} is not on PATH: SKIPPING the AWS integration tests (${skipped}).\n` +
    `!! They check the Secrets Manager, DynamoDB and CloudWatch code against a local AWS emulator.\n` +
    `!! Install it with: ${MOTO_INSTALL_HINT}   (with CI=true a missing ${MOTO_EXECUTABLE} fails the run)\n` +
    `${line}\n\n`
  );
}

/** Set by the global setup once it has warned, so that the test files do not warn again. */
export const MOTO_WARNED_VARIABLE = 'MOTO_MISSING_WARNED';

export const MOTO_REGION = 'us-east-1';

/** The variables that point the AWS SDK at moto. */
export function motoEnvironment(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: MOTO_REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    // moto decompresses request bodies twice: a gzipped PutMetricData (10 kB or more) fails there with a 500.
    AWS_DISABLE_REQUEST_COMPRESSION: 'true',
  };
}

/**
 * Variables of the developer's shell that could send the SDK elsewhere than moto (service-specific endpoints
 * win over AWS_ENDPOINT_URL) or mix real credentials in. Removed while the suite runs.
 */
function isConflictingVariable(name: string): boolean {
  return (
    name.startsWith('AWS_ENDPOINT_URL_') ||
    ['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_MAX_ATTEMPTS'].includes(name)
  );
}

/** Sets the SDK environment for moto at `endpoint`; returns a function that restores the previous one. */
export function applyMotoEnvironment(endpoint: string): () => void {
  const saved = new Map<string, string | undefined>();
  const set = (name: string, value: string | undefined): void => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  for (const name of Object.keys(process.env)) if (isConflictingVariable(name)) set(name, undefined);
  for (const [name, value] of Object.entries(motoEnvironment(endpoint))) set(name, value);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
