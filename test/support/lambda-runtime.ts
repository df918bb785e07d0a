/**
 * One Lambda execution environment on this machine: the function's code (a synthesized asset directory) loaded
 * by AWS's own runtime interface client (npm `aws-lambda-ric`, the code that runs inside the managed nodejs24.x
 * runtime) on Node 24, talking the Lambda Runtime API to a server that this module runs on 127.0.0.1.
 *
 * As in Lambda:
 * - the process starts on the first invocation (a cold start) and then serves invocation after invocation
 *   (warm), one at a time; `GET .../invocation/next` is held open while no invocation is queued;
 * - every invocation has an integer deadline (epoch ms) in `Lambda-Runtime-Deadline-Ms`, so that
 *   `context.getRemainingTimeInMillis()` counts down in whole milliseconds;
 * - an invocation that passes its deadline gets its process killed and is reported as `timeout`; a process that
 *   dies is reported as `crash`; either way the next invocation starts a fresh process.
 *
 * Not as in Lambda: memory is not limited (AWS_LAMBDA_FUNCTION_MEMORY_SIZE is only passed on), the process is
 * not frozen between invocations, and there are no extensions or telemetry API.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { describe } from 'vitest';
import {
  LAMBDA_NODE_VERSION,
  locateRuntimeClient,
  RIC_PACKAGE,
  RIC_VERSION,
  resolveNode24,
  runtimeClientCacheDir,
  runtimeClientCacheEntry,
  runtimeClientEntry,
} from './runtime-client.js';
import { skippedForMissing } from './toolchain.js';

export { LAMBDA_NODE_VERSION, RIC_PACKAGE, resolveNode24 } from './runtime-client.js';

const RUNTIME_API = '/2018-06-01/runtime';
/** Lambda's limit on the init phase. */
const DEFAULT_INIT_TIMEOUT_MS = 10_000;
/** How long a process that reported an init error may take to exit before it is killed. */
const INIT_ERROR_EXIT_GRACE_MS = 2_000;
/** After a response, how long to wait for the runtime's next `next` (which proves it has finished writing logs). */
const SETTLE_AFTER_RESPONSE_MS = 1_000;
const ACCOUNT_ID = '123456789012';

// ---------------------------------------------------------------------------------------------------------
// Availability: Node 24 and the built runtime interface client (test/support/runtime-client.ts)

export interface LambdaRuntimeAvailability {
  readonly available: boolean;
  /** The built client's index.mjs, when there is one. */
  readonly entry?: string;
  /** The Node 24 binary, when it resolved. */
  readonly nodeBinary?: string;
  /** What is missing, one sentence each. */
  readonly missing: readonly string[];
}

let availability: LambdaRuntimeAvailability | undefined;

/** Whether the runtime interface client is built and Node 24 resolves. Checked once per process. */
export function lambdaRuntimeAvailability(): LambdaRuntimeAvailability {
  if (availability !== undefined) return availability;
  const missing: string[] = [];
  const client = locateRuntimeClient();
  if (client === undefined)
    missing.push(`${RIC_PACKAGE} ${RIC_VERSION} is not built (not in ${runtimeClientCacheEntry(runtimeClientCacheDir())})`);
  let nodeBinary: string | undefined;
  try {
    nodeBinary = resolveNode24();
  } catch (error) {
    missing.push((error as Error).message);
  }
  availability =
    missing.length === 0 && nodeBinary !== undefined && client !== undefined
      ? { available: true, nodeBinary, entry: runtimeClientEntry(client.packageDir), missing }
      : { available: false, missing };
  return availability;
}

export const LAMBDA_RUNTIME_INSTALL_HINT =
  `npm test builds ${RIC_PACKAGE} once per machine before the tests (cmake, make, g++; a few minutes) and keeps it in ` +
  `${runtimeClientCacheDir()}; \`npm run setup:lambda-runtime\` does only that step, \`npm run doctor\` shows what is missing`;

export function missingLambdaRuntimeWarning(skipped: string, missing: readonly string[]): string {
  const line = '!'.repeat(100);
  return (
    `\n${line}\n` +
    `!! The Lambda runtime harness cannot run: SKIPPING ${skipped}.\n` +
    missing.map((problem) => `!! Missing: ${problem}\n`).join('') +
    `!! ${LAMBDA_RUNTIME_INSTALL_HINT}\n` +
    `!! (with CI=true this fails the run)\n` +
    `${line}\n\n`
  );
}

let warnedInThisProcess = false;

/**
 * Whether suites that need the Lambda runtime can run. Throws under CI=true when something is missing; otherwise
 * prints one warning per test file and returns false.
 */
export function requireLambdaRuntime(suiteName: string): boolean {
  const { available, missing } = lambdaRuntimeAvailability();
  if (available) return true;
  if (process.env['CI'] === 'true') {
    throw new Error(
      `The Lambda runtime harness cannot run, and CI=true: the suite "${suiteName}" cannot run. Missing: ${missing.join('; ')}. ${LAMBDA_RUNTIME_INSTALL_HINT}`,
    );
  }
  if (!warnedInThisProcess) {
    warnedInThisProcess = true;
    process.stderr.write(missingLambdaRuntimeWarning(`"${suiteName}" and every other suite that needs it in this test file`, missing));
  }
  return false;
}

export interface LambdaRuntimeContext {
  /** The Node 24 binary; read it inside tests and hooks. */
  readonly nodeBinary: string;
}

/**
 * `describe`, for suites that run functions in the real runtime interface client. Skipped with a loud warning
 * when the client or Node 24 is missing; a failure under CI=true.
 */
export function describeWithLambdaRuntime(name: string, body: (runtime: LambdaRuntimeContext) => void): void {
  const context: LambdaRuntimeContext = {
    get nodeBinary(): string {
      const { nodeBinary } = lambdaRuntimeAvailability();
      if (nodeBinary === undefined) throw new Error('Node 24 is not available');
      return nodeBinary;
    },
  };
  if (!requireLambdaRuntime(name)) {
    // biome-ignore lint/suspicious/noSkippedTests: reported skip when the runtime client is missing outside CI
    describe.skip(skippedForMissing(name, `the Lambda runtime interface client or Node ${LAMBDA_NODE_VERSION} is missing`), () =>
      body(context),
    );
    return;
  }
  describe(name, () => body(context));
}

// ---------------------------------------------------------------------------------------------------------
// The execution environment

export interface LambdaRuntimeOptions {
  /** The function's code: a directory with the handler's module (cdk.out/asset.<hash>). */
  readonly assetDir: string;
  /** `Handler`, e.g. `index.handler`. */
  readonly handler: string;
  /**
   * The function's environment variables: the template's literal ones plus whatever the caller resolves
   * (STATE_TABLE_NAME, AWS credentials and endpoint, ...). They override the harness's defaults, except
   * AWS_LAMBDA_RUNTIME_API, LAMBDA_TASK_ROOT and _HANDLER.
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** `MemorySize` in MiB (passed on as AWS_LAMBDA_FUNCTION_MEMORY_SIZE; not enforced). */
  readonly memorySize: number;
  /** Default: the pinned Node 24 (resolveNode24()). */
  readonly nodeBinary?: string;
  /** The runtime interface client's index.mjs; default: the built one locateRuntimeClient() finds. */
  readonly runtimeClientEntry?: string;
  /** Default `mptcp-collector`. */
  readonly functionName?: string;
  /** AWS_REGION and AWS_DEFAULT_REGION; default `eu-west-1` (the environment may override them). */
  readonly region?: string;
  /** How long the runtime may take from its start to its first `next` request; default 10 s, as in Lambda. */
  readonly initTimeoutMs?: number;
}

export interface InvokeOptions {
  /** The function's timeout for this invocation, a whole number of milliseconds. */
  readonly timeoutMs: number;
  /**
   * Called just before the invocation is handed to the runtime (the `next` answer is written), with the pid of
   * the process that gets it. Lets a test stop or signal that process at a known point.
   */
  readonly onDispatch?: (dispatch: { readonly requestId: string; readonly pid: number; readonly deadlineMs: number }) => void;
}

export type InvocationOutcome = 'response' | 'error' | 'timeout' | 'crash';

export interface InvocationError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export interface InvocationResult {
  readonly requestId: string;
  readonly outcome: InvocationOutcome;
  /** The handler's result (parsed JSON), for `response`. */
  readonly result?: unknown;
  /**
   * For `error`: what the runtime posted. For `timeout` and `crash`: what Lambda would report
   * (`Sandbox.Timedout`, `Runtime.ExitError`).
   */
  readonly error?: InvocationError;
  /** `init` when the function failed before it could take the invocation (the runtime posted /init/error, or init timed out or crashed). */
  readonly phase: 'init' | 'invoke';
  /** True when this invocation started the process. */
  readonly coldStart: boolean;
  /** For a cold start: from spawning the process to its first `next` request. */
  readonly initDurationMs?: number;
  /** From setting the deadline and handing the invocation over (or, when it never was, from the start of the invocation) to its outcome. */
  readonly durationMs: number;
  /** The deadline sent in Lambda-Runtime-Deadline-Ms (integer epoch ms), when the invocation was handed over. */
  readonly deadlineMs?: number;
  /** deadline - Date.now() right after the invocation was handed over (integer ms). */
  readonly remainingAtStartMs?: number;
  /** The process that ran the invocation. */
  readonly pid?: number;
  /** How that process ended, when it did during this invocation. */
  readonly exit?: { readonly code: number | null; readonly signal: NodeJS.Signals | null };
  /** stdout and stderr lines written from the start of this invocation (including a cold start's init) to its outcome. */
  readonly logs: readonly string[];
}

export interface LambdaRuntime {
  /** host:port of the Runtime API (AWS_LAMBDA_RUNTIME_API). */
  readonly endpoint: string;
  /** Processes started so far. */
  readonly coldStarts: number;
  /** The pid of the running process, if one is running. */
  readonly pid: number | undefined;
  /** Every stdout and stderr line of every process so far. */
  readonly logs: readonly string[];
  /** Requests that broke the Runtime API protocol (unknown paths, wrong request ids, a second `next`). */
  readonly protocolErrors: readonly string[];
  /** Runs one invocation; calls made while one is running wait for it (one execution environment). */
  invoke(event: unknown, options: InvokeOptions): Promise<InvocationResult>;
  /** Kills the process and closes the server. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the Runtime API server; the function's process starts with the first invocation. */
export async function startLambdaRuntime(options: LambdaRuntimeOptions): Promise<LambdaRuntime> {
  let clientEntry = options.runtimeClientEntry;
  if (clientEntry === undefined) {
    const client = locateRuntimeClient();
    if (client === undefined) throw new Error(`${RIC_PACKAGE} ${RIC_VERSION} is not built: ${LAMBDA_RUNTIME_INSTALL_HINT}`);
    clientEntry = runtimeClientEntry(client.packageDir);
  }
  const nodeBinary = options.nodeBinary ?? resolveNode24();
  const runtime = new ExecutionEnvironment(options, nodeBinary, clientEntry);
  await runtime.listen();
  return runtime;
}

interface Sandbox {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly spawnedAt: number;
  readonly closed: Promise<void>;
  alive: boolean;
  initDurationMs?: number;
  pendingNext?: ServerResponse;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** Resolved at the sandbox's next `next` request (or its end). */
  nextWaiters: (() => void)[];
}

interface Invocation {
  readonly id: string;
  readonly payload: string;
  readonly timeoutMs: number;
  readonly onDispatch?: InvokeOptions['onDispatch'];
  readonly sandbox: Sandbox;
  readonly coldStart: boolean;
  readonly startedAt: number;
  readonly logs: string[];
  readonly resolve: (result: InvocationResult) => void;
  readonly reject: (error: Error) => void;
  /** What onDispatch threw: invoke() rejects with it once the invocation is over. */
  dispatchError?: Error;
  dispatchedAt?: number;
  deadlineMs?: number;
  remainingAtStartMs?: number;
  /** Set once the outcome is known; the result is delivered when the logs are in. */
  outcome?: { outcome: InvocationOutcome; phase: 'init' | 'invoke'; result?: unknown; error?: InvocationError; at: number };
  timer?: NodeJS.Timeout;
  finished: boolean;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

class ExecutionEnvironment implements LambdaRuntime {
  private readonly server: Server;
  private port = 0;
  private sandbox: Sandbox | undefined;
  private current: Invocation | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private readonly allLogs: string[] = [];
  private readonly violations: string[] = [];
  private started = 0;
  private readonly functionName: string;
  private readonly region: string;

  constructor(
    private readonly options: LambdaRuntimeOptions,
    private readonly nodeBinary: string,
    /** The runtime interface client's index.mjs. */
    private readonly clientEntry: string,
  ) {
    this.functionName = options.functionName ?? 'mptcp-collector';
    this.region = options.region ?? 'eu-west-1';
    this.server = createServer((req, res) => this.route(req, res));
    // `next` is a long poll, and the runtime keeps its connection for the process's life.
    this.server.requestTimeout = 0;
    this.server.keepAliveTimeout = 15 * 60_000;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  get coldStarts(): number {
    return this.started;
  }

  get pid(): number | undefined {
    return this.sandbox?.alive ? this.sandbox.pid : undefined;
  }

  get logs(): readonly string[] {
    return this.allLogs;
  }

  get protocolErrors(): readonly string[] {
    return this.violations;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  invoke(event: unknown, options: InvokeOptions): Promise<InvocationResult> {
    if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1) {
      return Promise.reject(new Error(`timeoutMs must be a whole positive number of milliseconds, not ${options.timeoutMs}`));
    }
    const run = this.queue.then(() => this.run(event, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const sandbox = this.sandbox;
      if (sandbox?.alive) {
        const invocation = this.current;
        if (invocation !== undefined && invocation.outcome === undefined) {
          invocation.outcome = {
            outcome: 'crash',
            phase: invocation.dispatchedAt === undefined ? 'init' : 'invoke',
            error: {
              errorType: 'Runtime.ExitError',
              errorMessage: `RequestId: ${invocation.id} Error: the execution environment was stopped`,
            },
            at: performance.now(),
          };
        }
        sandbox.child.kill('SIGKILL');
        await sandbox.closed;
      }
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    })();
    return this.stopping;
  }

  // ---- invocations

  private run(event: unknown, options: InvokeOptions): Promise<InvocationResult> {
    if (this.stopping !== undefined) return Promise.reject(new Error('the Lambda runtime harness was stopped'));
    const payload = JSON.stringify(event ?? null);
    const startedAt = performance.now();
    let coldStart = false;
    if (this.sandbox === undefined || !this.sandbox.alive) {
      this.sandbox = this.spawnSandbox();
      coldStart = true;
    }
    const sandbox = this.sandbox;
    return new Promise<InvocationResult>((resolve, reject) => {
      const invocation: Invocation = {
        id: randomUUID(),
        payload,
        timeoutMs: options.timeoutMs,
        ...(options.onDispatch ? { onDispatch: options.onDispatch } : {}),
        sandbox,
        coldStart,
        startedAt,
        logs: [],
        resolve,
        reject,
        finished: false,
      };
      this.current = invocation;
      if (sandbox.initDurationMs === undefined) {
        const initTimeoutMs = this.options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS;
        invocation.timer = setTimeout(() => {
          this.timeOut(
            invocation,
            `RequestId: ${invocation.id} Error: the runtime did not ask for an invocation within ${initTimeoutMs} ms of its start (init timeout)`,
            'init',
          );
        }, initTimeoutMs);
      }
      this.dispatchIfReady();
    });
  }

  private dispatchIfReady(): void {
    const invocation = this.current;
    const sandbox = this.sandbox;
    if (invocation === undefined || invocation.dispatchedAt !== undefined || invocation.outcome !== undefined) return;
    if (sandbox !== invocation.sandbox || !sandbox.alive || sandbox.pendingNext === undefined) return;
    const res = sandbox.pendingNext;
    sandbox.pendingNext = undefined;
    clearTimeout(invocation.timer);

    // The invocation's clock starts with its deadline.
    invocation.dispatchedAt = performance.now();
    const deadlineMs = Date.now() + invocation.timeoutMs;
    try {
      invocation.onDispatch?.({ requestId: invocation.id, pid: sandbox.pid, deadlineMs });
    } catch (error) {
      invocation.dispatchError = error instanceof Error ? error : new Error(String(error));
    }
    res.writeHead(200, {
      // The native client crashes (SIGSEGV) on an answer without it.
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(invocation.payload),
      'Lambda-Runtime-Aws-Request-Id': invocation.id,
      'Lambda-Runtime-Deadline-Ms': String(deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': `arn:aws:lambda:${this.region}:${ACCOUNT_ID}:function:${this.functionName}`,
      'Lambda-Runtime-Trace-Id': traceId(),
    });
    res.end(invocation.payload);
    invocation.deadlineMs = deadlineMs;
    invocation.remainingAtStartMs = deadlineMs - Date.now();
    const message = `RequestId: ${invocation.id} Error: Task timed out after ${(invocation.timeoutMs / 1000).toFixed(2)} seconds`;
    // Timers may fire a little early by the wall clock: the deadline is Date.now() >= deadlineMs, as in Lambda.
    const armDeadline = (): void => {
      const left = deadlineMs - Date.now();
      if (left > 0) invocation.timer = setTimeout(armDeadline, left);
      else this.timeOut(invocation, message, 'invoke');
    };
    armDeadline();
  }

  /** Like Lambda at a deadline: the process is killed; the next invocation gets a new one. */
  private timeOut(invocation: Invocation, errorMessage: string, phase: 'init' | 'invoke'): void {
    if (invocation.outcome !== undefined) return;
    invocation.outcome = { outcome: 'timeout', phase, error: { errorType: 'Sandbox.Timedout', errorMessage }, at: performance.now() };
    if (invocation.sandbox.alive) invocation.sandbox.child.kill('SIGKILL');
    else this.finish(invocation);
  }

  private finish(invocation: Invocation): void {
    if (invocation.finished || invocation.outcome === undefined) return;
    invocation.finished = true;
    clearTimeout(invocation.timer);
    if (this.current === invocation) this.current = undefined;
    const { outcome, phase, result, error, at } = invocation.outcome;
    const sandbox = invocation.sandbox;
    if (invocation.dispatchError !== undefined) {
      invocation.reject(
        new Error(`onDispatch threw (the invocation ended as ${outcome}): ${invocation.dispatchError.message}`, {
          cause: invocation.dispatchError,
        }),
      );
      return;
    }
    invocation.resolve({
      requestId: invocation.id,
      outcome,
      ...(result !== undefined ? { result } : {}),
      ...(error !== undefined ? { error } : {}),
      phase,
      coldStart: invocation.coldStart,
      ...(invocation.coldStart && sandbox.initDurationMs !== undefined ? { initDurationMs: round2(sandbox.initDurationMs) } : {}),
      durationMs: round2(at - (invocation.dispatchedAt ?? invocation.startedAt)),
      ...(invocation.deadlineMs !== undefined
        ? { deadlineMs: invocation.deadlineMs, remainingAtStartMs: invocation.remainingAtStartMs! }
        : {}),
      pid: sandbox.pid,
      ...(sandbox.exit !== undefined ? { exit: sandbox.exit } : {}),
      logs: invocation.logs,
    });
  }

  /** Delivers the result once the runtime has asked for its next invocation (its logs are then written) or ended. */
  private finishWhenSettled(invocation: Invocation): void {
    const sandbox = invocation.sandbox;
    let done = false;
    const settle = (): void => {
      if (done) return;
      done = true;
      clearTimeout(fallback);
      // The runtime wrote its lines before its last request: let the pipes' pending reads run first.
      setImmediate(() => setImmediate(() => this.finish(invocation)));
    };
    const fallback = setTimeout(settle, SETTLE_AFTER_RESPONSE_MS);
    if (!sandbox.alive || sandbox.pendingNext !== undefined) settle();
    else sandbox.nextWaiters.push(settle);
  }

  // ---- the process

  private spawnSandbox(): Sandbox {
    installExitHook();
    const child = spawn(this.nodeBinary, [this.clientEntry, this.options.handler], {
      cwd: this.options.assetDir,
      env: this.sandboxEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    liveChildren.add(child);
    this.started += 1;
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    const sandbox: Sandbox = { child, pid: child.pid ?? -1, spawnedAt: performance.now(), closed, alive: true, nextWaiters: [] };
    const flushStdout = this.captureLines(child.stdout!);
    const flushStderr = this.captureLines(child.stderr!);

    let ended = false;
    const end = (exit: { code: number | null; signal: NodeJS.Signals | null }, spawnError?: Error): void => {
      if (ended) return;
      ended = true;
      liveChildren.delete(child);
      flushStdout();
      flushStderr();
      sandbox.alive = false;
      sandbox.exit = exit;
      sandbox.pendingNext = undefined;
      for (const waiter of sandbox.nextWaiters.splice(0)) waiter();
      const invocation = this.current;
      if (invocation !== undefined && invocation.sandbox === sandbox) {
        invocation.outcome ??= {
          outcome: 'crash',
          phase: invocation.dispatchedAt === undefined ? 'init' : 'invoke',
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage: `RequestId: ${invocation.id} Error: ${exitDescription(exit, spawnError)}`,
          },
          at: performance.now(),
        };
        this.finish(invocation);
      }
      markClosed();
    };
    // 'close' comes after the process has exited and its stdout and stderr have ended: every line is in.
    child.once('close', (code, signal) => end({ code, signal }));
    child.once('error', (error) => end({ code: null, signal: null }, error));
    return sandbox;
  }

  private sandboxEnvironment(): NodeJS.ProcessEnv {
    const { assetDir, handler, memorySize } = this.options;
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    return {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_FUNCTION_NAME: this.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${this.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      // Not Lambda's, but this machine's: no shared AWS config or credentials files of the developer, and no
      // instance metadata lookups (Lambda gives credentials in the environment; pass them in `environment`).
      AWS_CONFIG_FILE: join(assetDir, '.no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(assetDir, '.no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      ...this.options.environment,
      AWS_LAMBDA_RUNTIME_API: this.endpoint,
      LAMBDA_TASK_ROOT: assetDir,
      _HANDLER: handler,
    };
  }

  /** Splits a stream into lines, kept in the runtime's log and the current invocation's. Returns a flush. */
  private captureLines(stream: Readable): () => void {
    let partial = '';
    const emit = (line: string): void => {
      const text = line.endsWith('\r') ? line.slice(0, -1) : line;
      this.allLogs.push(text);
      this.current?.logs.push(text);
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      partial += chunk;
      let newline = partial.indexOf('\n');
      while (newline >= 0) {
        emit(partial.slice(0, newline));
        partial = partial.slice(newline + 1);
        newline = partial.indexOf('\n');
      }
    });
    return () => {
      if (partial !== '') emit(partial);
      partial = '';
    };
  }

  // ---- the Runtime API

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${RUNTIME_API}/invocation/next`) {
      this.onNext(req, res);
      return;
    }
    const result = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && result !== null) {
      void readBody(req).then((body) => this.onResult(decodeURIComponent(result[1]!), result[2] as 'response' | 'error', body, req, res));
      return;
    }
    if (req.method === 'POST' && url === `${RUNTIME_API}/init/error`) {
      void readBody(req).then((body) => this.onInitError(body, req, res));
      return;
    }
    this.violations.push(`${req.method} ${url}: not a Runtime API path`);
    req.resume();
    reply(res, 404, { errorType: 'InvalidPath', errorMessage: `${req.method} ${url} is not part of the Runtime API` });
  }

  private onNext(req: IncomingMessage, res: ServerResponse): void {
    const sandbox = this.sandbox;
    if (sandbox === undefined || !sandbox.alive) {
      res.destroy();
      return;
    }
    sandbox.initDurationMs ??= performance.now() - sandbox.spawnedAt;
    const invocation = this.current;
    if (invocation !== undefined && invocation.dispatchedAt !== undefined && invocation.outcome === undefined) {
      this.violations.push(`GET next while invocation ${invocation.id} has neither a response nor an error`);
    }
    if (sandbox.pendingNext !== undefined) this.violations.push('a second GET next while one is still open');
    sandbox.pendingNext = res;
    res.once('close', () => {
      if (sandbox.pendingNext === res) sandbox.pendingNext = undefined;
    });
    req.resume();
    for (const waiter of sandbox.nextWaiters.splice(0)) waiter();
    this.dispatchIfReady();
  }

  private onResult(id: string, kind: 'response' | 'error', body: string, req: IncomingMessage, res: ServerResponse): void {
    const invocation = this.current;
    if (invocation === undefined || invocation.id !== id || invocation.dispatchedAt === undefined || invocation.outcome !== undefined) {
      this.violations.push(`POST ${kind} for request ${id}, which is not the invocation in progress`);
      reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: `no invocation ${id} is waiting for a ${kind}` });
      return;
    }
    reply(res, 202, { status: 'OK' });
    clearTimeout(invocation.timer);
    invocation.outcome =
      kind === 'response'
        ? { outcome: 'response', phase: 'invoke', result: parseJson(body), at: performance.now() }
        : {
            outcome: 'error',
            phase: 'invoke',
            error: parseError(body, req.headers['lambda-runtime-function-error-type']),
            at: performance.now(),
          };
    this.finishWhenSettled(invocation);
  }

  private onInitError(body: string, req: IncomingMessage, res: ServerResponse): void {
    reply(res, 202, { status: 'OK' });
    const error = parseError(body, req.headers['lambda-runtime-function-error-type']);
    const invocation = this.current;
    if (invocation === undefined || invocation.dispatchedAt !== undefined || invocation.outcome !== undefined) {
      this.violations.push(`POST init/error (${error.errorType}) outside an init phase`);
      return;
    }
    clearTimeout(invocation.timer);
    invocation.outcome = { outcome: 'error', phase: 'init', error, at: performance.now() };
    // The client exits after an init error; Lambda would discard the environment anyway.
    const sandbox = invocation.sandbox;
    const kill = setTimeout(() => sandbox.child.kill('SIGKILL'), INIT_ERROR_EXIT_GRACE_MS);
    void sandbox.closed.then(() => clearTimeout(kill));
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseJson(body: string): unknown {
  if (body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

function parseError(body: string, typeHeader: string | string[] | undefined): InvocationError {
  const parsed = parseJson(body);
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const header = Array.isArray(typeHeader) ? typeHeader[0] : typeHeader;
  const errorType = typeof record['errorType'] === 'string' ? record['errorType'] : (header ?? 'Unknown');
  const errorMessage = typeof record['errorMessage'] === 'string' ? record['errorMessage'] : typeof parsed === 'string' ? parsed : '';
  const trace = Array.isArray(record['trace']) ? record['trace'].filter((line): line is string => typeof line === 'string') : undefined;
  return { errorType, errorMessage, ...(trace !== undefined ? { trace } : {}) };
}

function exitDescription(exit: { code: number | null; signal: NodeJS.Signals | null }, spawnError?: Error): string {
  if (spawnError !== undefined) return `Runtime could not be started: ${spawnError.message}`;
  if (exit.signal !== null) return `Runtime exited with signal: ${exit.signal}`;
  return `Runtime exited with error: exit status ${exit.code}`;
}

/** An X-Ray trace header as Lambda sends it: Root=1-<epoch seconds, hex>-<96 random bits>. */
function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}
