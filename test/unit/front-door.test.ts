/**
 * What a newcomer meets first: one Node requirement, an `npm ci` without warnings, links that stay in the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/collect-command.js';
import { LAMBDA_NODE_VERSION } from '../support/lambda-runtime.js';
import { oldestNodeIn, satisfiesNodeRange } from '../support/toolchain.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { engines: { node: string }; allowScripts?: Record<string, boolean> };

describe('the Node.js requirement', () => {
  it('is stated once, the same in package.json engines and in both places the README names it', () => {
    const readme = read('README.md');
    const requirement = packageJson.engines.node;
    const statements = readme.split('\n').filter((line) => /Node\.js\s+`/.test(line));
    expect(statements.length).toBeGreaterThanOrEqual(2);
    for (const line of statements) expect(line).toContain(`Node.js \`${requirement}\``);
    expect(readme).not.toMatch(/Node(\.js)?\s+v?[\d.]+\+?\s+or\s+(newer|later|above)/);
  });

  it('.nvmrc pins the Node of the Lambda runtime tests, and it satisfies engines', () => {
    const pinned = read('.nvmrc').trim();
    expect(pinned).toBe(LAMBDA_NODE_VERSION);
    expect(satisfiesNodeRange(pinned, packageJson.engines.node)).toBe(true);
    expect(satisfiesNodeRange(process.versions.node, packageJson.engines.node), `this Node, ${process.version}`).toBe(true);
  });

  it('admits Node 22.12 and later, not Node 20 (the AWS SDK v3 needs 22 from January 2027; nodejs20.x is deprecated)', () => {
    expect(packageJson.engines.node).toBe('>=22.12.0');
    expect(oldestNodeIn(packageJson.engines.node)).toBe('22.12.0');
    expect(satisfiesNodeRange('20.19.5', packageJson.engines.node)).toBe(false);
    expect(satisfiesNodeRange('22.11.0', packageJson.engines.node)).toBe(false);
    expect(satisfiesNodeRange('24.11.1', packageJson.engines.node)).toBe(true);
    expect(satisfiesNodeRange('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfiesNodeRange('21.0.0', '^20.19.0 || >=22.12.0')).toBe(false);
    const types = (JSON.parse(read('package.json')) as { devDependencies: Record<string, string> }).devDependencies['@types/node'];
    expect(types).toMatch(/^\^22\./);
  });

  it('CI runs the suite on the Lambda runtime Node and again, unit and integration, on the oldest engines admits', () => {
    const ci = read('.ci/run');
    expect(ci).toMatch(/npx -y "node@\$lambda_node"/);
    expect(ci).toContain('npm run test:oldest-node');
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['test:oldest-node']).toBe(
      'tsx scripts/test-on-oldest-node.ts',
    );
  });
});

describe('npm ci', () => {
  it('has an allowScripts entry for every locked package with an install script (npm 11 warns about the others)', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string; hasInstallScript?: boolean }> };
    const allowed = packageJson.allowScripts ?? {};
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript === true)
      .map(([path, entry]) => ({ name: path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length), version: entry.version }));
    expect(withScripts.map((p) => p.name)).toContain('esbuild');
    for (const { name, version } of withScripts) {
      expect(allowed[name] ?? allowed[`${name}@${version}`], `${name}@${version} in allowScripts`).toBeDefined();
    }
  });
});

describe('links in the repository documents', () => {
  const documents = execFileSync('git', ['ls-files', '*.md'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

  it.each(documents)('%s links only to files inside the repository', (document) => {
    const text = read(document);
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^(https?:|mailto:|#)/.test(t));
    for (const target of targets) {
      const path = resolve(ROOT, dirname(document), target.split('#')[0]!);
      expect(relative(ROOT, path).startsWith('..'), `${document} -> ${target}`).toBe(false);
      expect(existsSync(path), `${document} -> ${target}`).toBe(true);
    }
    // A path outside the repository, even in prose, is a dead end for anyone who clones it.
    expect(text).not.toMatch(/`\/[^`\s]+\.md`/);
  });
});

describe('the operations page on npm run collect', () => {
  it('documents each exit code the command returns, with the meaning --help gives', () => {
    const operations = read('docs/operations.md');
    const rows = operations.split('\n').filter((line) => /^\| `\d` \|/.test(line));
    expect(rows.map((row) => Number(row.slice(3, 4)))).toEqual(Object.values(EXIT).sort());
    expect(rows.find((row) => row.startsWith(`| \`${EXIT.usage}\``))).toContain('bad usage or configuration');
    expect(rows.find((row) => row.startsWith(`| \`${EXIT.publishFailed}\``))).toContain('publishing to CloudWatch failed');
  });
});

describe('the fleet file', () => {
  const ignored = (path: string): boolean => {
    try {
      execFileSync('git', ['check-ignore', '-q', path], { cwd: ROOT, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };

  it('is git-ignored (mptcp-monitoring.json names the real appliances), its example is not', () => {
    expect(ignored('mptcp-monitoring.json')).toBe(true);
    expect(ignored('mptcp-monitoring.example.json')).toBe(false);
  });
});
