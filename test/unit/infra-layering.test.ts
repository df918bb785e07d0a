import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of `infra/`: the model (pure numbers and text) and the config (the settings and their rules) sit
 * below the constructs, which use both. A limit both need lives in the model, never in a construct.
 */
const INFRA = resolve(import.meta.dirname, '../../infra');

function importsIn(folder: string): { file: string; specifier: string }[] {
  return readdirSync(join(INFRA, folder))
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      [
        ...readFileSync(join(INFRA, folder, file), 'utf8').matchAll(
          /(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
        ),
      ].map((match) => ({ file: `${folder}/${file}`, specifier: (match[1] ?? match[2])! })),
    );
}

describe('layers of infra/', () => {
  it('infra/model and infra/config import nothing from infra/constructs (no upward arrow)', () => {
    const imports = [...importsIn('model'), ...importsIn('config')];
    expect(imports.length).toBeGreaterThan(10);
    expect(imports.filter(({ specifier }) => specifier.includes('constructs/'))).toEqual([]);
  });

  it('infra/model imports nothing from infra/config', () => {
    expect(importsIn('model').filter(({ specifier }) => specifier.startsWith('../config/'))).toEqual([]);
  });
});
