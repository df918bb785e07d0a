/**
 * npm test's setup step (scripts/setup-lambda-runtime.ts, test/support/runtime-client.ts): it builds AWS's Lambda
 * runtime interface client once, keeps it in a cache outside the checkout, and every later run (a second
 * npm test, a re-npm ci, another clone) uses the cached one. Against a temporary cache and checkout: a real build
 * (a few minutes), then a function run in what it built.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLambdaRuntime } from '../support/lambda-runtime.js';
import {
  checkNativeModuleLoads,
  ensureRuntimeClient,
  LAMBDA_NODE_VERSION,
  RIC_PACKAGE,
  RIC_VERSION,
  resolveNode24,
  runtimeClientCacheEntry,
  runtimeClientEntry,
  runtimeClientNativeModule,
} from '../support/runtime-client.js';
import { BUILD_TOOLS, missingTools, type SystemTool, skippedForMissing } from '../support/toolchain.js';

/** A build takes a few minutes alone, and longer on a loaded machine; the later tests build again if it failed. */
const BUILD_TIMEOUT_MS = 1_800_000;
const scratch = mkdtempSync(join(tmpdir(), 'ric-setup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A checkout with nothing in node_modules: a fresh clone, or one right after npm ci. */
function freshCheckout(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  return dir;
}

function capture(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/** Runs `handler` (an ES module's source) in the client at `entry` on Node 24, once. */
async function invokeOnce(entry: string, source: string): Promise<unknown> {
  const assetDir = mkdtempSync(join(scratch, 'asset-'));
  writeFileSync(join(assetDir, 'index.mjs'), source);
  const runtime = await startLambdaRuntime({
    assetDir,
    handler: 'index.handler',
    memorySize: 128,
    runtimeClientEntry: entry,
    nodeBinary: resolveNode24(),
  });
  try {
    const result = await runtime.invoke({ ping: 1 }, { timeoutMs: 20_000 });
    expect(result.outcome, result.logs.join('\n')).toBe('response');
    return result.result;
  } finally {
    await runtime.stop();
  }
}

const buildToolsMissing = missingTools(BUILD_TOOLS);
const name = 'npm test builds the Lambda runtime interface client once and then reuses it';
const canBuild = buildToolsMissing.length === 0 || process.env['CI'] === 'true';
const buildAndReuse = (): void => {
  const cacheDir = join(scratch, 'cache');
  const entry = runtimeClientCacheEntry(cacheDir);

  it(
    'builds it into the cache when nothing is built, saying what it builds and why',
    async () => {
      const { lines, log } = capture();
      const result = await ensureRuntimeClient({ repoRoot: freshCheckout('first-clone'), cacheDir, log });
      expect(result.status, JSON.stringify(result)).toBe('built');
      const progress = lines.join('\n');
      expect(progress).toContain(`${RIC_PACKAGE} ${RIC_VERSION}`);
      expect(progress).toContain('is not built on this machine yet');
      expect(progress).toContain(`Building it once with Node ${LAMBDA_NODE_VERSION}`);
      expect(progress).toContain(entry);
      const packageDir = join(entry, 'node_modules', RIC_PACKAGE);
      expect(existsSync(runtimeClientNativeModule(packageDir))).toBe(true);
      // Only the finished entry: no staging directory or build log left behind.
      expect(readdirSync(cacheDir)).toEqual([entry.slice(cacheDir.length + 1)]);
      // What it built runs a function, as the Lambda runtime suites use it.
      expect(await invokeOnce(runtimeClientEntry(packageDir), 'export const handler = async (event) => ({ pong: event.ping });')).toEqual({
        pong: 1,
      });
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'reuses the cached build after a re-npm ci or in another clone: nothing is built, nothing printed',
    async () => {
      const { lines, log } = capture();
      const result = await ensureRuntimeClient({ repoRoot: freshCheckout('second-clone'), cacheDir, log });
      expect(result).toMatchObject({
        status: 'ready',
        location: { source: 'cache', packageDir: join(entry, 'node_modules', RIC_PACKAGE) },
      });
      expect(lines).toEqual([]);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'keeps a copy of a client built into node_modules, so that the next npm ci does not lose it',
    async () => {
      const checkout = freshCheckout('built-by-hand');
      cpSync(join(entry, 'node_modules'), join(checkout, 'node_modules'), { recursive: true });
      const otherCache = join(scratch, 'other-cache');
      const result = await ensureRuntimeClient({ repoRoot: checkout, cacheDir: otherCache, log: () => undefined });
      expect(result).toMatchObject({ status: 'ready', location: { source: 'node_modules' } });
      const kept = join(runtimeClientCacheEntry(otherCache), 'node_modules', RIC_PACKAGE);
      expect(existsSync(runtimeClientNativeModule(kept))).toBe(true);
      checkNativeModuleLoads(resolveNode24(), kept);
    },
    BUILD_TIMEOUT_MS,
  );
};
if (canBuild) describe(name, buildAndReuse);
// biome-ignore lint/suspicious/noSkippedTests: reported skip when the build tools are missing outside CI
else describe.skip(skippedForMissing(name, `${buildToolsMissing.map((t) => t.command).join(', ')} missing`), buildAndReuse);

describe('npm test without the build tools', () => {
  it('builds nothing and names the missing tool and the command that installs it', async () => {
    const absent: SystemTool = {
      command: 'no-such-cmake-here',
      neededFor: 'building',
      install: 'sudo apt-get install cmake',
      version: () => undefined,
    };
    const cacheDir = join(scratch, 'no-tools-cache');
    const result = await ensureRuntimeClient({ repoRoot: freshCheckout('no-tools'), cacheDir, log: () => undefined, buildTools: [absent] });
    expect(result).toEqual({
      status: 'missing',
      missing: [expect.stringContaining('building it needs no-such-cmake-here, missing from PATH')],
      install: ['sudo apt-get install cmake'],
    });
    expect(existsSync(cacheDir)).toBe(false);
  });
});
