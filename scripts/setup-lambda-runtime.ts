/**
 * `npm run setup:lambda-runtime`, and the first step of `npm test` (`--before-tests`): makes sure AWS's Lambda
 * runtime interface client is built, building it once per machine into a cache (test/support/runtime-client.ts).
 * Exit code 1 when it cannot be built; with --before-tests always 0, so that the other suites still run (the
 * Lambda runtime suites then say they are skipped, and fail under CI=true).
 */
import { commandLine } from '../cli/command-line.js';
import { ensureRuntimeClient, LAMBDA_NODE_VERSION, RIC_PACKAGE, RIC_VERSION } from '../test/support/runtime-client.js';

const flags = commandLine(
  'setup:lambda-runtime',
  `Usage: npm run setup:lambda-runtime [-- --before-tests]
Builds AWS's Lambda runtime interface client (${RIC_PACKAGE} ${RIC_VERSION}) with Node ${LAMBDA_NODE_VERSION} once per machine, into a cache.
  --before-tests  as npm test's first step: exit 0 even when it cannot be built (the suites that need it are skipped)
  -h, --help      show this help`,
  { 'before-tests': { type: 'boolean' } },
);
const beforeTests = flags['before-tests'] === true;
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const result = await ensureRuntimeClient({ log: say });
switch (result.status) {
  case 'ready':
    if (!beforeTests) say(`Lambda runtime client: ${RIC_PACKAGE} ${RIC_VERSION} is built (${result.location.packageDir})`);
    break;
  case 'built':
    say(`Lambda runtime client: built in ${result.seconds} s, kept in ${result.location.packageDir}`);
    break;
  case 'missing':
    say(`Lambda runtime client: cannot build ${RIC_PACKAGE} ${RIC_VERSION}.`);
    for (const problem of result.missing) say(`  ${problem}`);
    for (const command of result.install) say(`  Install: ${command}`);
    if (beforeTests) say('  The suites that need it are skipped (with CI=true they fail); the summary at the end lists them.');
    process.exitCode = beforeTests ? 0 : 1;
    break;
}
