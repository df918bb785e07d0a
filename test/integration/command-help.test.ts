/**
 * Every command answers --help and refuses an unknown option (exit 2, the nearest known option), before it starts
 * its work: run as children, the way npm runs them.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../cli/command-line.js';

const ROOT = resolve(import.meta.dirname, '../..');
const packageJson = (await import('../../package.json', { with: { type: 'json' } })).default as { scripts: Record<string, string> };

/** Each command's script, and a misspelled option with the option it should suggest (undefined: none is near). */
const COMMANDS: readonly { readonly script: string; readonly file: string; readonly typo: string; readonly meant?: string }[] = [
  { script: 'start', file: 'cli/local-run.ts', typo: '--hepl', meant: '--help' },
  { script: 'collect', file: 'cli/collect.ts', typo: '--countres', meant: '--counters' },
  { script: 'simulator', file: 'cli/simulator.ts', typo: '--prot', meant: '--port' },
  { script: 'bench', file: 'scripts/bench.ts', typo: '--quik', meant: '--quick' },
  { script: 'soak', file: 'test/soak/run.ts', typo: '--round', meant: '--rounds' },
  { script: 'doctor', file: 'scripts/doctor.ts', typo: '--verbose' },
  { script: 'docs:metrics', file: 'scripts/generate-metrics-doc.ts', typo: '--check' },
  { script: 'docs:settings', file: 'scripts/generate-settings-doc.ts', typo: '--check' },
  { script: 'vocabulary', file: 'scripts/vocabulary.ts', typo: '--check' },
  { script: 'setup:lambda-runtime', file: 'scripts/setup-lambda-runtime.ts', typo: '--before-test', meant: '--before-tests' },
];

function run(file: string, args: readonly string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CI: '' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('every command line', () => {
  it('names each npm script of a command here (a new command gets --help too)', () => {
    const commands = Object.entries(packageJson.scripts).filter(([, command]) => /^tsx (cli|scripts|test\/soak)\/\S+$/.test(command));
    expect(commands.map(([script]) => script).sort()).toEqual([...COMMANDS.map((c) => c.script), 'prepack', 'test:oldest-node'].sort());
    for (const { script, file } of COMMANDS) expect(packageJson.scripts[script]).toBe(`tsx ${file}`);
  });

  it.each(COMMANDS)('npm run $script -- --help prints its usage and exits 0 without starting', ({ file }) => {
    const { status, stdout, stderr } = run(file, ['--help']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage:/m);
    expect(stdout).toContain('--help');
  });

  it.each(COMMANDS)('npm run $script -- $typo is refused with exit 2 and what was meant', ({ file, typo, meant }) => {
    const { status, stdout, stderr } = run(file, [typo]);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`error: unknown option ${typo}`);
    expect(stderr).toContain(meant !== undefined ? `did you mean ${meant}?` : 'known options: --help');
  });

  it('npm run test:oldest-node -- --help says what it runs, without fetching or running anything', () => {
    const { status, stdout } = run('scripts/test-on-oldest-node.ts', ['--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run test:oldest-node/);
  });
});

describe('the shared parser', () => {
  const options = { port: { type: 'string' }, quick: { type: 'boolean' } } as const;

  it('gives the values, or help', () => {
    expect(parseCommandLine(['--port', '8443', '--quick'], options)).toEqual({ port: '8443', quick: true });
    expect(parseCommandLine(['--port=1'], options)).toEqual({ port: '1' });
    expect(parseCommandLine(['-h'], options)).toBe('help');
  });

  it('refuses an unknown option, a missing value and a stray argument', () => {
    expect(() => parseCommandLine(['--prot', '1'], options)).toThrow('unknown option --prot; did you mean --port?');
    expect(() => parseCommandLine(['--zzzzzzzz'], options)).toThrow('unknown option --zzzzzzzz; known options: --port, --quick, --help');
    expect(() => parseCommandLine(['-x'], options)).toThrow('unknown option -x');
    expect(() => parseCommandLine(['--port'], options)).toThrow(/--port/);
    expect(() => parseCommandLine(['stray'], options)).toThrow(/stray/);
  });
});
