/**
 * The system tools `npm test` needs beyond `npm ci`: what each is for, how to find its version, and the command
 * that installs it. One list, read by `npm run doctor`, by the runtime client build and by the skip summary at
 * the end of a test run. No vitest import: scripts use this module too.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface SystemTool {
  /** The executable, as on PATH. */
  readonly command: string;
  /** Other names that do the same job (cmake3). */
  readonly alternatives?: readonly string[];
  /** What needs it, for the doctor's table and the skip summary. */
  readonly neededFor: string;
  /** The command that installs it. */
  readonly install: string;
  /** Its version, given the resolved executable; undefined when it cannot tell. */
  readonly version: (executable: string) => string | undefined;
}

const BUILD_TOOLS_INSTALL =
  'sudo apt-get install cmake make g++   (Fedora: sudo dnf install cmake make gcc-c++; macOS: xcode-select --install && brew install cmake)';

export const MOTO_SERVER: SystemTool = {
  command: 'moto_server',
  neededFor: 'the AWS suites (Secrets Manager, DynamoDB and CloudWatch against a local emulator)',
  install: "pip install 'moto[server]'",
  version: pythonPackageVersion('moto'),
};

export const CFN_LINT: SystemTool = {
  command: 'cfn-lint',
  neededFor: 'the lint of the synthesized CloudFormation templates',
  install: 'pip install cfn-lint',
  version: (executable) => firstMatch(run(executable, ['--version']), /(\d+\.\d+\.\d+)/),
};

/** What aws-lambda-ric's install scripts compile with (curl and aws-lambda-cpp from source, then the addon). */
export const BUILD_TOOLS: readonly SystemTool[] = [
  {
    command: 'cmake',
    alternatives: ['cmake3'],
    neededFor: 'building the Lambda runtime interface client (once per machine)',
    install: BUILD_TOOLS_INSTALL,
    version: (executable) => firstMatch(run(executable, ['--version']), /version (\d+\.\d+\.\d+)/),
  },
  {
    command: 'make',
    neededFor: 'building the Lambda runtime interface client (once per machine)',
    install: BUILD_TOOLS_INSTALL,
    version: (executable) => firstMatch(run(executable, ['--version']), /Make (\d+\.\d+(\.\d+)?)/),
  },
  {
    command: 'g++',
    neededFor: 'building the Lambda runtime interface client (once per machine)',
    install: BUILD_TOOLS_INSTALL,
    version: (executable) => firstMatch(run(executable, ['-dumpfullversion', '-dumpversion']), /(\d+(\.\d+)*)/),
  },
];

export const SYSTEM_TOOLS: readonly SystemTool[] = [MOTO_SERVER, CFN_LINT, ...BUILD_TOOLS];

/** The name of a suite or test that is skipped because something is missing; the skip summary finds it by this. */
export function skippedForMissing(name: string, why: string): string {
  return `${name} (skipped: ${why})`;
}

export const SKIPPED_FOR_MISSING = /^(.*) \(skipped: (.+)\)$/;

export interface ToolCheck {
  readonly tool: SystemTool;
  /** The executable found on PATH, when there is one. */
  readonly path?: string;
  readonly version?: string;
}

const checked = new Map<SystemTool, ToolCheck>();

/** Where the tool is and its version. Looked up once per process. */
export function checkTool(tool: SystemTool): ToolCheck {
  let check = checked.get(tool);
  if (check === undefined) {
    const path = [tool.command, ...(tool.alternatives ?? [])].map(findOnPath).find((found) => found !== undefined);
    const version = path === undefined ? undefined : tool.version(path);
    check = { tool, ...(path !== undefined && { path }), ...(version !== undefined && { version }) };
    checked.set(tool, check);
  }
  return check;
}

export function isToolPresent(tool: SystemTool): boolean {
  return checkTool(tool).path !== undefined;
}

/** The tools of `tools` that are not on PATH. */
export function missingTools(tools: readonly SystemTool[]): SystemTool[] {
  return tools.filter((tool) => !isToolPresent(tool));
}

/** The install commands for `tools`, each once. */
export function installCommands(tools: readonly SystemTool[]): string[] {
  return [...new Set(tools.map((tool) => tool.install))];
}

export function findOnPath(command: string): string | undefined {
  for (const directory of (process.env['PATH'] ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function run(executable: string, args: readonly string[]): string {
  const result = spawnSync(executable, args, { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
}

function firstMatch(text: string, pattern: RegExp): string | undefined {
  return pattern.exec(text)?.[1];
}

/**
 * For a Python console script: the version of `module`, asked of the interpreter in the script's #! line, else
 * of python3 (pyenv's shims are shell scripts).
 */
function pythonPackageVersion(module: string): (executable: string) => string | undefined {
  return (executable) => {
    let shebang: string | undefined;
    try {
      shebang = /^#!\s*(\S+)/.exec(readFileSync(executable, 'utf8').slice(0, 200))?.[1];
    } catch {
      // unreadable: ask python3
    }
    const interpreters = [...(shebang !== undefined && /python/.test(shebang) ? [shebang] : []), 'python3'];
    for (const interpreter of interpreters) {
      const version = firstMatch(run(interpreter, ['-c', `import ${module}; print(${module}.__version__)`]), /^(\d+\.\d+(\.\d+)?\S*)$/m);
      if (version !== undefined) return version;
    }
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Node.js

/** package.json `engines.node`: the Node versions the project supports (the oldest is also tested by CI). */
export const NODE_ENGINES: string = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { engines: { node: string } }
).engines.node;

const parseVersion = (version: string): [number, number, number] => {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split('.').map(Number);
  return [major, minor, patch];
};
const compareVersions = (a: string, b: string): number => {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
};

/** True when `version` is in `range`, a `||` list of `>=X.Y.Z` and `^X.Y.Z` (the forms engines uses here). */
export function satisfiesNodeRange(version: string, range: string = NODE_ENGINES): boolean {
  return range.split('||').some((alternative) => {
    const match = /^\s*(>=|\^)\s*v?(\d+\.\d+\.\d+)\s*$/.exec(alternative);
    if (match === null) throw new Error(`engines.node "${range}": only >=X.Y.Z and ^X.Y.Z alternatives are understood`);
    const [operator, floor] = [match[1]!, match[2]!];
    return compareVersions(version, floor) >= 0 && (operator === '>=' || parseVersion(version)[0] === parseVersion(floor)[0]);
  });
}

/** The oldest Node `range` admits: the second Node the suite runs on in CI (`npm run test:oldest-node`). */
export function oldestNodeIn(range: string = NODE_ENGINES): string {
  const floors = [...range.matchAll(/(?:>=|\^)\s*v?(\d+\.\d+\.\d+)/g)].map((match) => match[1]!);
  if (floors.length === 0) throw new Error(`engines.node "${range}" names no version`);
  return floors.sort(compareVersions)[0]!;
}
