import { runCollect } from './collect-command.js';

process.exitCode = await runCollect(
  process.argv.slice(2),
  process.env,
  (text) => process.stdout.write(`${text}\n`),
  (text) => process.stderr.write(`${text}\n`),
);
