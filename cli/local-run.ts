import { commandLine } from './command-line.js';
import { runLocal } from './local-run-command.js';

commandLine(
  'npm start',
  `Usage: npm start
Starts two simulated NetScaler appliances (firmware 13.1 and 14.1), collects them twice a few seconds apart with the
function's pipeline and prints the metrics that would be published. No AWS account, nothing sent anywhere.
  -h, --help  show this help`,
  {},
);

const { exitCode } = await runLocal({
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
process.exitCode = exitCode;
