/**
 * The collector function as `cdk deploy` would upload it: the CDK app synthesized with real bundling (local
 * esbuild, no Docker) into a temporary directory, and what the template says about the function.
 *
 * Only literal environment variables are returned: the others are CloudFormation tokens (the state table's name
 * is a `Ref`) that only a deployment resolves. Callers supply those themselves.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp } from '../../infra/build-app.js';
import { DEFAULT_CONFIG_FILE, EXAMPLE_CONFIG_FILE } from '../../infra/config/load-config.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface CollectorAssetOptions {
  /**
   * The content of the app's config file (mptcp-monitoring.json). Default: the committed example
   * (mptcp-monitoring.example.json), so that the asset is the one a clean clone deploys.
   */
  readonly config?: Record<string, unknown>;
  /** Where the cloud assembly goes. Default: a new temporary directory. */
  readonly outdir?: string;
}

export interface CollectorAsset {
  /** The directory that is the function's code (cdk.out/asset.<hash>): index.js, index.js.map. */
  readonly assetDir: string;
  /** The cloud assembly directory. */
  readonly outdir: string;
  /** `Handler` of the function: `index.handler`. */
  readonly handler: string;
  /** `Runtime` of the function, e.g. `nodejs24.x`. */
  readonly runtime: string;
  /** `MemorySize` in MiB. */
  readonly memorySize: number;
  /** `Timeout` in seconds. */
  readonly timeoutSeconds: number;
  /** The template's literal `Environment.Variables` (METRIC_NAMESPACE, COUNTERS, NODE_OPTIONS, ...). */
  readonly environment: Readonly<Record<string, string>>;
  /** Names of the variables whose values are CloudFormation expressions (e.g. STATE_TABLE_NAME): not in `environment`. */
  readonly unresolvedEnvironment: readonly string[];
  /** The function's logical id in the template. */
  readonly logicalId: string;
  /** Removes the temporary directories this call made (the assembly too, unless `outdir` was given). */
  dispose(): void;
}

interface FunctionResource {
  readonly Type: string;
  readonly Properties?: {
    readonly Handler?: unknown;
    readonly Runtime?: unknown;
    readonly MemorySize?: unknown;
    readonly Timeout?: unknown;
    readonly Code?: { readonly S3Key?: unknown };
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
  };
}

/** Synthesizes the app once, with bundling, and describes the collector function's asset. */
export function synthesizeCollectorAsset(options: CollectorAssetOptions = {}): CollectorAsset {
  const cwd = mkdtempSync(join(tmpdir(), 'mptcp-asset-app-'));
  if (options.config === undefined) copyFileSync(join(REPO_ROOT, EXAMPLE_CONFIG_FILE), join(cwd, EXAMPLE_CONFIG_FILE));
  else writeFileSync(join(cwd, DEFAULT_CONFIG_FILE), JSON.stringify(options.config, null, 2));
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'mptcp-asset-out-'));

  const { app, stack } = buildApp({ outdir }, cwd);
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as { Resources?: Record<string, FunctionResource> };

  const functions = Object.entries(template.Resources ?? {}).filter(([, resource]) => isBundledNodeFunction(resource));
  if (functions.length !== 1) {
    throw new Error(
      `expected exactly one bundled Node.js function in the template, found ${functions.map(([id]) => id).join(', ') || 'none'}`,
    );
  }
  const [logicalId, resource] = functions[0]!;
  const properties = resource.Properties!;
  const s3Key = properties.Code!.S3Key as string;
  const assetDir = join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
  if (!existsSync(join(assetDir, 'index.js'))) throw new Error(`the function's asset ${assetDir} has no index.js`);

  const environment: Record<string, string> = {};
  const unresolvedEnvironment: string[] = [];
  for (const [name, value] of Object.entries(properties.Environment?.Variables ?? {})) {
    if (typeof value === 'string') environment[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') environment[name] = String(value);
    else unresolvedEnvironment.push(name);
  }

  return {
    assetDir,
    outdir,
    handler: literal(properties.Handler, 'Handler', 'string'),
    runtime: literal(properties.Runtime, 'Runtime', 'string'),
    memorySize: literal(properties.MemorySize, 'MemorySize', 'number'),
    timeoutSeconds: literal(properties.Timeout, 'Timeout', 'number'),
    environment,
    unresolvedEnvironment,
    logicalId,
    dispose: () => {
      rmSync(cwd, { recursive: true, force: true });
      if (options.outdir === undefined) rmSync(outdir, { recursive: true, force: true });
    },
  };
}

/** A Lambda function whose code is a local asset (S3Key is `<hash>.zip`, not a token) and whose runtime is Node.js. */
function isBundledNodeFunction(resource: FunctionResource): boolean {
  const properties = resource.Properties;
  return (
    resource.Type === 'AWS::Lambda::Function' &&
    typeof properties?.Runtime === 'string' &&
    properties.Runtime.startsWith('nodejs') &&
    typeof properties.Code?.S3Key === 'string' &&
    properties.Code.S3Key.endsWith('.zip')
  );
}

function literal(value: unknown, property: string, type: 'string'): string;
function literal(value: unknown, property: string, type: 'number'): number;
function literal(value: unknown, property: string, type: 'string' | 'number'): string | number {
  if (typeof value !== type)
    throw new Error(`the function's ${property} is not a literal ${type} in the template: ${JSON.stringify(value)}`);
  return value as string | number;
}
