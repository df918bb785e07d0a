import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('formatter directives', () => {
  it('no prettier directive in the sources: Biome formats the project (biome-ignore format, with a reason, where needed)', () => {
    const files = execFileSync('git', ['ls-files', '*.ts', '*.json', '*.mjs', '*.js'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const self = 'test/unit/formatter-directives.test.ts';
    const withDirective = files.filter(
      (file) => file !== self && /prettier-ignore|@prettier|@format\b/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(withDirective).toEqual([]);
  });
});
