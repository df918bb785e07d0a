import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Import, importsOf, importsOfFiles, typeScriptFiles } from '../support/import-graph.js';

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

/** A module of lambda/ (a package, a node: built-in or a path out of lambda/ is not). */
const isLambdaModule = (to: string) => to.endsWith('.ts') && !to.startsWith('..');

function lambdaImports(): Import[] {
  return importsOfFiles(LAMBDA, typeScriptFiles(LAMBDA, '.'));
}

describe('layers of lambda/', () => {
  const imports = lambdaImports();

  it('finds the imports it checks (type-only, multi-line and dynamic ones included)', () => {
    expect(imports.length).toBeGreaterThan(50);
    expect(
      importsOf("import type {\n  A,\n  B,\n} from '../x.js';\nexport { c } from './c.js';\nawait import('./d.js');\nimport './e.js';"),
    ).toEqual(['../x.js', './c.js', './d.js', './e.js']);
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
