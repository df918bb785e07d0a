/**
 * `npm run doctor`: every tool npm test needs, present with its version or missing with the command that installs
 * it; exit code 1 when something is missing. Run as a child with a PATH that lacks cfn-lint.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAMBDA_NODE_VERSION, RIC_PACKAGE } from '../support/runtime-client.js';
import { CFN_LINT, checkTool, findOnPath, oldestNodeIn, SYSTEM_TOOLS } from '../support/toolchain.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function doctor(path: string | undefined = process.env['PATH']) {
  const result = spawnSync(process.execPath, [TSX, 'scripts/doctor.ts'], {
    cwd: ROOT,
    env: { ...process.env, PATH: path },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, lines: result.stdout.trimEnd().split('\n'), stderr: result.stderr };
}

describe('npm run doctor', () => {
  it('lists each tool with its version, Node 24 and the runtime client', () => {
    const run = doctor();
    expect(run.stderr).toBe('');
    const row = (what: string) => run.lines.find((line) => line.split(/\s{2,}/)[2] === what);
    expect(row('Node.js')).toMatch(new RegExp(`^ {2}ok +Node\\.js +${literal(process.versions.node)} +needs `));
    for (const tool of SYSTEM_TOOLS) {
      const check = checkTool(tool);
      if (check.path !== undefined) expect(row(tool.command), tool.command).toMatch(new RegExp(`^ {2}ok +${literal(tool.command)} +\\d`));
      else expect(row(tool.command), tool.command).toContain(`install: ${tool.install}`);
    }
    expect(row(`Node ${LAMBDA_NODE_VERSION}`)).toBeDefined();
    expect(row(`Node ${oldestNodeIn()}`)).toContain('npm run test:oldest-node');
    expect(row(RIC_PACKAGE)).toBeDefined();
  });

  it('marks a missing tool MISSING with its install command, and exits 1', () => {
    const cfnLint = findOnPath(CFN_LINT.command);
    const path = (process.env['PATH'] ?? '')
      .split(':')
      .filter((dir) => cfnLint === undefined || dir !== dirname(cfnLint))
      .join(':');
    const run = doctor(path);
    expect(run.status).toBe(1);
    expect(run.lines.find((line) => line.includes(' cfn-lint '))).toMatch(
      /^ {2}MISSING +cfn-lint +- +for .*; install: pip install cfn-lint$/,
    );
    expect(run.lines.at(-1)).toMatch(/^Missing: .*cfn-lint.*\. npm test skips what needs it \(and fails with CI=true\)\.$/);
  });
});
