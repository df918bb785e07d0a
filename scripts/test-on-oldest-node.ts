/**
 * `npm run test:oldest-node`: the unit and integration suites on the oldest Node that package.json engines
 * admits (fetched once from the npm registry with npx, as the Lambda runtime tests fetch Node 24). CI runs the
 * whole suite on Node 24 and this on the oldest, so both ends of engines are tested without running e2e twice.
 * Arguments after `--` go to vitest.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { resolveNode } from '../test/support/runtime-client.js';
import { NODE_ENGINES, oldestNodeIn } from '../test/support/toolchain.js';

const ROOT = resolve(import.meta.dirname, '..');
if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
  process.stdout.write(
    `Usage: npm run test:oldest-node [-- vitest arguments]\nThe unit and integration suites on Node ${oldestNodeIn()}, the oldest of engines ${NODE_ENGINES} (fetched once with npx).\nOther arguments (test files, vitest options) go to vitest, which refuses an option it does not know.\n`,
  );
  process.exit(0);
}
const version = oldestNodeIn();
const node = resolveNode(version);
process.stdout.write(`test:oldest-node: unit and integration suites on Node ${version} (the oldest of engines ${NODE_ENGINES}): ${node}\n`);
const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(node, [vitest, 'run', '--project', 'unit', '--project', 'integration', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  // Children that start `node` (tsx, the CLI under test) get the same Node.
  env: { ...process.env, PATH: `${dirname(node)}:${process.env['PATH'] ?? ''}` },
});
process.exitCode = result.status ?? 1;
