import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm run simulator', () => {
  it('prints everything needed to log in, the password included (it guards nothing real)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/simulator.ts', '--seed', '2'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('Ctrl-C')) done();
      });
      child.once('exit', (code) => fail(new Error(`the simulator exited (${code}) before it was ready: ${output}`)));
    });
    const closed = new Promise((done) => child.once('close', done));
    child.kill('SIGINT');
    await closed;
    expect(output).toMatch(/url: +https:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/username: +nsroot-reader\n/);
    expect(output).toMatch(/password: +sim-Kx7-moon-4711\n/);
    expect(output).toMatch(/CA \(PEM\): +\/\S+ca\.pem/);
  });
});
