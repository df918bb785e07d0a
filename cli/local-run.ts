import { runLocal } from './local-run-command.js';

const { exitCode } = await runLocal({
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
process.exitCode = exitCode;
