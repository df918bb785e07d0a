/**
 * `npm run doctor`: what `npm test` needs on this machine, what is here (with versions) and what is missing
 * (with the command that installs it). Changes nothing and downloads nothing. Exit code 1 when something a test
 * suite needs is missing.
 */
import { homedir } from 'node:os';
import { commandLine } from '../cli/command-line.js';
import {
  isBuiltClient,
  LAMBDA_NODE_VERSION,
  locateRuntimeClient,
  RIC_PACKAGE,
  RIC_VERSION,
  resolveNode,
  resolveNode24,
  runtimeClientCacheDir,
} from '../test/support/runtime-client.js';
import { BUILD_TOOLS, checkTool, NODE_ENGINES, oldestNodeIn, SYSTEM_TOOLS, satisfiesNodeRange } from '../test/support/toolchain.js';

commandLine(
  'doctor',
  `Usage: npm run doctor
What npm test needs on this machine (Node, moto_server, cfn-lint, build tools, Node ${LAMBDA_NODE_VERSION}, the Lambda runtime client):
what is here, with versions, and what is missing, with the command that installs it. Changes nothing; exit 1 when
something is missing.
  -h, --help  show this help`,
  {},
);

type State = 'ok' | 'MISSING' | 'todo';
interface Row {
  readonly state: State;
  readonly what: string;
  readonly version: string;
  readonly note: string;
}

const rows: Row[] = [];
rows.push(
  satisfiesNodeRange(process.versions.node)
    ? { state: 'ok', what: 'Node.js', version: process.versions.node, note: `needs ${NODE_ENGINES} (package.json engines)` }
    : {
        state: 'MISSING',
        what: 'Node.js',
        version: process.versions.node,
        note: `needs ${NODE_ENGINES} (package.json engines): use Node ${LAMBDA_NODE_VERSION} (.nvmrc; README, Quick start)`,
      },
);

for (const tool of SYSTEM_TOOLS) {
  const check = checkTool(tool);
  rows.push(
    check.path === undefined
      ? { state: 'MISSING', what: tool.command, version: '-', note: `for ${tool.neededFor}; install: ${tool.install}` }
      : { state: 'ok', what: tool.command, version: check.version ?? '?', note: `for ${tool.neededFor}` },
  );
}

let node24: string | undefined;
try {
  node24 = resolveNode24({ download: false });
} catch {
  // not in npx's cache yet
}
rows.push(
  node24 !== undefined
    ? {
        state: 'ok',
        what: `Node ${LAMBDA_NODE_VERSION}`,
        version: LAMBDA_NODE_VERSION,
        note: `runs the function in the Lambda runtime tests (${node24})`,
      }
    : {
        state: 'todo',
        what: `Node ${LAMBDA_NODE_VERSION}`,
        version: '-',
        note: `not fetched yet: npm test fetches it once (npx -y node@${LAMBDA_NODE_VERSION}; needs the npm registry)`,
      },
);

const oldestNode = oldestNodeIn();
let oldestNodePath: string | undefined;
try {
  oldestNodePath = resolveNode(oldestNode, { download: false });
} catch {
  // not in npx's cache yet
}
rows.push(
  oldestNodePath !== undefined
    ? {
        state: 'ok',
        what: `Node ${oldestNode}`,
        version: oldestNode,
        note: `the oldest engines admits: npm run test:oldest-node (${oldestNodePath})`,
      }
    : {
        state: 'todo',
        what: `Node ${oldestNode}`,
        version: '-',
        note: `the oldest engines admits, not fetched yet: npm run test:oldest-node fetches it once (npx -y node@${oldestNode})`,
      },
);

const client = locateRuntimeClient();
const canBuild = BUILD_TOOLS.every((tool) => checkTool(tool).path !== undefined);
rows.push(
  client !== undefined && isBuiltClient(client.packageDir)
    ? { state: 'ok', what: RIC_PACKAGE, version: RIC_VERSION, note: `built (${client.packageDir})` }
    : canBuild
      ? {
          state: 'todo',
          what: RIC_PACKAGE,
          version: '-',
          note: `not built yet: npm test builds it once (a few minutes) into ${runtimeClientCacheDir()}`,
        }
      : { state: 'MISSING', what: RIC_PACKAGE, version: '-', note: 'not built, and cannot be: cmake, make and g++ are needed (above)' },
);

const width = (key: 'what' | 'version'): number => Math.max(...rows.map((row) => row[key].length));
process.stdout.write('What npm test needs on this machine:\n\n');
const home = homedir();
const tilde = (text: string): string => (home.length > 1 ? text.replaceAll(`${home}/`, '~/') : text);
for (const row of rows) {
  process.stdout.write(
    `  ${row.state.padEnd(7)}  ${row.what.padEnd(width('what'))}  ${row.version.padEnd(width('version'))}  ${tilde(row.note)}\n`,
  );
}
const missing = rows.filter((row) => row.state === 'MISSING');
process.stdout.write(
  missing.length === 0
    ? '\nEverything is here: npm test runs every suite.\n'
    : `\nMissing: ${missing.map((row) => row.what).join(', ')}. npm test skips what needs it (and fails with CI=true).\n`,
);
process.exitCode = missing.length === 0 ? 0 : 1;
