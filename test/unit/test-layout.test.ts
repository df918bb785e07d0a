import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// vitest.config.ts runs test/unit, test/integration and test/e2e; a test file anywhere else would never run.
const PROJECT_FOLDERS = ['unit/', 'integration/', 'e2e/'];

describe('test layout', () => {
  it('keeps every test file in a project folder, so npm test runs it', () => {
    const root = resolve(import.meta.dirname, '..');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .map((file) => file.split('\\').join('/'))
      .filter((file) => file.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !PROJECT_FOLDERS.some((folder) => file.startsWith(folder)))).toEqual([]);
  });
});
