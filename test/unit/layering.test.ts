import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of `lambda/`, lowest first. A module may import from its own layer and the layers below it, never
 * from a layer above: the core (pure computation and the shared vocabulary, `core/ports.ts`) stays free of the
 * pipeline, the edges and the settings, and can be read and tested on its own.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['catalog/', 'metrics/'],
  ['core/'],
  ['config/', 'errors.ts', 'logger.ts', 'deadline.ts', 'concurrency.ts'],
  ['nitro/', 'aws/'],
  ['pipeline/'],
  ['handler.ts'],
];
/** Packages the core may use: none (no I/O, no SDK). Node built-ins are refused too. */
const CORE_PACKAGES: readonly string[] = [];

const LAMBDA = resolve(import.meta.dirname, '../../lambda');

function layerOf(path: string): number {
  const layer = LAYERS.findIndex((prefixes) => prefixes.some((prefix) => path === prefix || path.startsWith(prefix)));
  if (layer < 0) throw new Error(`lambda/${path} is in no layer: add it to LAYERS in test/unit/layering.test.ts`);
  return layer;
}

/** Every module specifier a file names: static imports and exports (type-only included), and dynamic import(). */
function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  for (const match of source.matchAll(
    /(?:^|[\s;])(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm,
  )) {
    specifiers.push((match[1] ?? match[2] ?? match[3])!);
  }
  return specifiers;
}

/** A module of lambda/ (a package, a node: built-in or a path out of lambda/ is not). */
const isLambdaModule = (to: string) => to.endsWith('.ts') && !to.startsWith('..');

interface Import {
  readonly from: string;
  readonly to: string;
}

function lambdaImports(): Import[] {
  const files = readdirSync(LAMBDA, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split('\\').join('/'))
    .filter((file) => file.endsWith('.ts'));
  return files.flatMap((file) =>
    importsOf(readFileSync(join(LAMBDA, file), 'utf8')).map((specifier) => ({
      from: file,
      to: specifier.startsWith('.')
        ? relative(LAMBDA, resolve(LAMBDA, dirname(file), specifier))
            .split('\\')
            .join('/')
            .replace(/\.js$/, '.ts')
        : specifier,
    })),
  );
}

describe('layers of lambda/', () => {
  const imports = lambdaImports();

  it('finds the imports it checks (type-only, multi-line and dynamic ones included)', () => {
    expect(imports.length).toBeGreaterThan(50);
    expect(importsOf("import type {\n  A,\n  B,\n} from '../x.js';\nexport { c } from './c.js';\nawait import('./d.js');\nimport './e.js';")).toEqual([
      '../x.js',
      './c.js',
      './d.js',
      './e.js',
    ]);
  });

  it('core imports only the core, the catalog and the metric definitions: no pipeline, aws, nitro, config, no I/O', () => {
    const outward = imports.filter(
      ({ from, to }) => from.startsWith('core/') && (isLambdaModule(to) ? layerOf(to) > layerOf(from) : !CORE_PACKAGES.includes(to)),
    );
    expect(outward).toEqual([]);
  });

  it('no module imports from a layer above its own', () => {
    const upward = imports.filter(({ from, to }) => isLambdaModule(to) && layerOf(to) > layerOf(from));
    expect(upward).toEqual([]);
  });

  it('nothing in lambda/ imports from outside it (cli, infra, simulator, test)', () => {
    expect(imports.filter(({ to }) => to.startsWith('..'))).toEqual([]);
  });
});
