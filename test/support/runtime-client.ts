/**
 * AWS's Lambda runtime interface client (npm `aws-lambda-ric`), which test/lambda-runtime runs the bundled
 * function in, and the Node 24 that runs it.
 *
 * `npm ci` does not install the client: it is not a dependency of this package, because its install scripts build
 * curl and aws-lambda-cpp from source (cmake, make, g++: minutes), its engines say node >= 22 (npm skips it under
 * Node 20 without a word), and `npm ci` would rebuild it every time. Instead `npm test` builds it once per machine
 * from the pinned recipe in test/support/lambda-runtime-client/ (its own package.json and lock), with the Lambda
 * runtime's Node, into a cache directory outside the checkout: a second `npm test`, a re-`npm ci` or another clone
 * reuse it. The cache entry's name carries everything the build depends on (client version, Node version,
 * platform, CPU), and an entry appears only complete (built in a staging directory, checked, then renamed).
 *
 * No vitest import: `npm run setup:lambda-runtime`, `npm test`'s setup step and `npm run doctor` use this module.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { BUILD_TOOLS, findOnPath, installCommands, missingTools, type SystemTool } from './toolchain.js';

/** The Node.js that runs the function: the nodejs24.x runtime's, pinned (.nvmrc names the same). */
export const LAMBDA_NODE_VERSION = '24.11.1';
export const RIC_PACKAGE = 'aws-lambda-ric';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** The pinned recipe: a package.json and package-lock.json whose only dependency is the client. */
export const RUNTIME_CLIENT_RECIPE = join(REPO_ROOT, 'test', 'support', 'lambda-runtime-client');
/** The client's version, as the recipe pins it. */
export const RIC_VERSION: string = (
  JSON.parse(readFileSync(join(RUNTIME_CLIENT_RECIPE, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
).dependencies[RIC_PACKAGE]!;

/** Overrides where built clients are kept (default: $XDG_CACHE_HOME or ~/.cache, then netscaler-mptcp-cloudwatch). */
export const CACHE_DIR_VARIABLE = 'LAMBDA_RUNTIME_CACHE_DIR';
const NPX_TIMEOUT_MS = 180_000;
const BUILD_TIMEOUT_MS = 30 * 60_000;
const HEARTBEAT_MS = 30_000;

export function runtimeClientCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[CACHE_DIR_VARIABLE];
  if (configured !== undefined && configured !== '') return resolve(configured);
  const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : join(homedir(), '.cache');
  return join(base, 'netscaler-mptcp-cloudwatch');
}

/** The cache entry for this client version, Node version, platform and CPU. */
export function runtimeClientCacheEntry(cacheDir: string): string {
  return join(cacheDir, `${RIC_PACKAGE}-${RIC_VERSION}-node${LAMBDA_NODE_VERSION}-${process.platform}-${process.arch}`);
}

/** The client's package directory inside a cache entry (or any directory holding a node_modules). */
function packageDirIn(root: string): string {
  return join(root, 'node_modules', RIC_PACKAGE);
}

/** The client's entry point (ESM), run as `node index.mjs <handler>`. */
export function runtimeClientEntry(packageDir: string): string {
  return join(packageDir, 'index.mjs');
}

/** Built by the package's install scripts; the client does not start without it. */
export function runtimeClientNativeModule(packageDir: string): string {
  return join(packageDir, 'rapid-client.node');
}

/** True when `packageDir` holds the pinned version of the client, built. */
export function isBuiltClient(packageDir: string): boolean {
  if (!existsSync(runtimeClientEntry(packageDir)) || !existsSync(runtimeClientNativeModule(packageDir))) return false;
  try {
    return (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: unknown }).version === RIC_VERSION;
  } catch {
    return false;
  }
}

export interface RuntimeClientLocation {
  /** The client's package directory (holds index.mjs). */
  readonly packageDir: string;
  /** `node_modules`: installed into this checkout by hand (or by an older checkout); `cache`: built by npm test. */
  readonly source: 'node_modules' | 'cache';
}

/** Where a built client is: this checkout's node_modules first, then the cache. */
export function locateRuntimeClient(
  options: { readonly repoRoot?: string; readonly cacheDir?: string } = {},
): RuntimeClientLocation | undefined {
  const local = packageDirIn(options.repoRoot ?? REPO_ROOT);
  if (isBuiltClient(local)) return { packageDir: local, source: 'node_modules' };
  const cached = packageDirIn(runtimeClientCacheEntry(options.cacheDir ?? runtimeClientCacheDir()));
  if (isBuiltClient(cached)) return { packageDir: cached, source: 'cache' };
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Node 24

type Resolution = { readonly path: string } | { readonly error: Error };
const resolved = new Map<string, Resolution>();

/**
 * The path of the pinned Node 24 binary (`npx -y node@<version>`: downloaded once into npm's npx cache, a second
 * or so afterwards). Resolved once per process; throws (every time) when it cannot be resolved. With
 * `download: false` it only looks in npx's cache (and does not remember a miss).
 */
export function resolveNode24(options: { readonly download?: boolean } = {}): string {
  return resolveNode(LAMBDA_NODE_VERSION, options);
}

/** The path of Node `version` from the npm registry, as resolveNode24 fetches Node 24 (the second Node CI runs). */
export function resolveNode(version: string, options: { readonly download?: boolean } = {}): string {
  const download = options.download ?? true;
  const known = resolved.get(version);
  if (known !== undefined && ('path' in known || download)) {
    if ('error' in known) throw known.error;
    return known.path;
  }
  let result: Resolution;
  try {
    const output = execFileSync('npx', [...(download ? [] : ['--offline']), '-y', `node@${version}`, '-p', 'process.execPath'], {
      cwd: tmpdir(),
      encoding: 'utf8',
      timeout: NPX_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const path = output.trim().split('\n').at(-1)?.trim() ?? '';
    const found = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
    if (found !== `v${version}`) throw new Error(`${path} is Node ${found}, not v${version}`);
    result = { path };
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail =
      typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim().split('\n').slice(-3).join(' | ') : (error as Error).message;
    result = { error: new Error(`Node ${version} could not be resolved with "npx -y node@${version}": ${detail}`) };
  }
  if (download || 'path' in result) resolved.set(version, result);
  if ('error' in result) throw result.error;
  return result.path;
}

// ---------------------------------------------------------------------------------------------------------
// Building it once

export type EnsureResult =
  | { readonly status: 'ready'; readonly location: RuntimeClientLocation }
  | { readonly status: 'built'; readonly location: RuntimeClientLocation; readonly seconds: number }
  /** It cannot be built here: what is missing, and the commands that install it. */
  | { readonly status: 'missing'; readonly missing: readonly string[]; readonly install: readonly string[] };

export interface EnsureOptions {
  readonly repoRoot?: string;
  readonly cacheDir?: string;
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** Default: the pinned recipe. */
  readonly recipeDir?: string;
  /** Default: the build tools of toolchain.ts. */
  readonly buildTools?: readonly SystemTool[];
}

/**
 * Makes sure a built client is there: finds it, else builds it into the cache (once; a few minutes). When this
 * checkout's node_modules holds a built client and the cache does not, a copy is kept in the cache.
 */
export async function ensureRuntimeClient(options: EnsureOptions): Promise<EnsureResult> {
  const cacheDir = options.cacheDir ?? runtimeClientCacheDir();
  const entry = runtimeClientCacheEntry(cacheDir);
  const found = locateRuntimeClient({ ...(options.repoRoot !== undefined && { repoRoot: options.repoRoot }), cacheDir });
  if (found !== undefined) {
    if (found.source === 'node_modules' && !isBuiltClient(packageDirIn(entry))) {
      publishEntry(entry, (staging) => cpSync(found.packageDir, packageDirIn(staging), { recursive: true, verbatimSymlinks: true }));
    }
    return { status: 'ready', location: found };
  }

  const why = `${RIC_PACKAGE} ${RIC_VERSION} (AWS's Lambda runtime interface client, which the Lambda runtime tests run the bundled function in) is not built on this machine yet`;
  const missingBuildTools = missingTools(options.buildTools ?? BUILD_TOOLS);
  if (missingBuildTools.length > 0) {
    return {
      status: 'missing',
      missing: [`${why}, and building it needs ${missingBuildTools.map((tool) => tool.command).join(', ')}, missing from PATH`],
      install: installCommands(missingBuildTools),
    };
  }
  let node: string;
  try {
    node = resolveNode24({ download: false });
  } catch {
    options.log(`Lambda runtime client: fetching Node ${LAMBDA_NODE_VERSION}, the Lambda runtime's, with npx (once)`);
    try {
      node = resolveNode24();
    } catch (error) {
      return {
        status: 'missing',
        missing: [(error as Error).message],
        install: [`npx -y node@${LAMBDA_NODE_VERSION} --version   (needs the npm registry)`],
      };
    }
  }
  options.log(
    `Lambda runtime client: ${why}. Building it once with Node ${LAMBDA_NODE_VERSION} (cmake, make, g++; a few minutes) into ${entry}; ` +
      'later test runs, re-installs and other clones reuse it.',
  );
  const started = Date.now();
  try {
    await publishEntryAsync(entry, (staging) => buildInto(staging, node, options.recipeDir ?? RUNTIME_CLIENT_RECIPE, options.log, started));
  } catch (error) {
    return {
      status: 'missing',
      missing: [`${why}, and building it failed: ${(error as Error).message}`],
      install: ['npm run setup:lambda-runtime   (to retry; npm run doctor lists the tools)'],
    };
  }
  const location = locateRuntimeClient({ ...(options.repoRoot !== undefined && { repoRoot: options.repoRoot }), cacheDir });
  if (location === undefined)
    return { status: 'missing', missing: [`${why}, and ${entry} holds no built client after the build`], install: [] };
  return { status: 'built', location, seconds: Math.round((Date.now() - started) / 1000) };
}

/** Fills a staging directory next to `entry`, then renames it into place (the first complete one wins). */
function publishEntry(entry: string, fill: (staging: string) => void): void {
  const staging = makeStaging(entry);
  try {
    fill(staging);
    moveIntoPlace(staging, entry);
  } finally {
    removeStaging(staging);
  }
}

async function publishEntryAsync(entry: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const staging = makeStaging(entry);
  try {
    await fill(staging);
    moveIntoPlace(staging, entry);
    // The build's log is kept only when the build failed.
    rmSync(`${staging}.log`, { force: true });
  } finally {
    removeStaging(staging);
  }
}

function removeStaging(staging: string): void {
  rmSync(staging, { recursive: true, force: true, maxRetries: 5 });
}

function makeStaging(entry: string): string {
  mkdirSync(dirname(entry), { recursive: true });
  return mkdtempSync(join(dirname(entry), `.staging-${basename(entry)}-`));
}

function moveIntoPlace(staging: string, entry: string): void {
  if (!isBuiltClient(packageDirIn(staging))) throw new Error(`${staging} holds no built ${RIC_PACKAGE} ${RIC_VERSION}`);
  // An entry that is there but not complete (a crash mid-copy before this code, a hand edit) is replaced.
  if (existsSync(entry) && !isBuiltClient(packageDirIn(entry))) rmSync(entry, { recursive: true, force: true });
  try {
    renameSync(staging, entry);
  } catch (error) {
    // Another run finished the same build first: keep theirs.
    if (!isBuiltClient(packageDirIn(entry))) throw error;
  }
}

/** `npm ci` of the recipe with Node 24 (which runs the client's install scripts), then a load of the native module. */
async function buildInto(staging: string, node: string, recipeDir: string, log: (line: string) => void, started: number): Promise<void> {
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(recipeDir, file), join(staging, file));
  const logFile = join(dirname(staging), `${basename(staging)}.log`);
  const fd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(node, [npmCli(), 'ci', '--no-audit', '--no-fund', '--foreground-scripts'], {
      cwd: staging,
      // The install scripts run `node` and node-gyp: the same Node 24 as the runtime that loads the module.
      env: { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env['PATH'] ?? ''}`, npm_config_update_notifier: 'false' },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const heartbeat = setInterval(
    () => log(`Lambda runtime client: still building (${Math.round((Date.now() - started) / 1000)} s; log: ${logFile})`),
    HEARTBEAT_MS,
  );
  const timeout = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
    child.once('error', (error) => done({ code: null, signal: null, error }));
    child.once('close', (code, signal) => done({ code, signal }));
  }).finally(() => {
    clearInterval(heartbeat);
    clearTimeout(timeout);
  });
  if (exit.error !== undefined || exit.code !== 0) {
    const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-12).join('\n    ');
    throw new Error(
      `npm ci with Node ${LAMBDA_NODE_VERSION} ended with ${exit.error?.message ?? exit.signal ?? `exit code ${exit.code}`} (log: ${logFile}):\n    ${tail}`,
    );
  }
  const packageDir = packageDirIn(staging);
  if (!existsSync(runtimeClientNativeModule(packageDir)))
    throw new Error(`the install scripts ran but left no ${runtimeClientNativeModule(packageDir)} (log: ${logFile})`);
  checkNativeModuleLoads(node, packageDir);
}

/**
 * The native module must load in the Node that runs it. It reads the Runtime API's address when it loads (and
 * aborts without one); loading it opens no connection.
 */
export function checkNativeModuleLoads(node: string, packageDir: string): void {
  execFileSync(node, ['-e', 'require(process.argv[1])', runtimeClientNativeModule(packageDir)], {
    env: { ...process.env, AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9' },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 30_000,
  });
}

/** npm's own CLI script, to run with Node 24 (the npx `node` package brings no npm). */
function npmCli(): string {
  const fromNpm = process.env['npm_execpath'];
  if (fromNpm?.endsWith('npm-cli.js') && existsSync(fromNpm)) return fromNpm;
  const npm = findOnPath('npm');
  if (npm === undefined) throw new Error('npm is not on PATH');
  const real = realpathSync(npm);
  const candidate = real.endsWith('.js') ? real : join(dirname(real), 'npm-cli.js');
  if (!existsSync(candidate)) throw new Error(`cannot find npm-cli.js next to ${real}`);
  return candidate;
}
