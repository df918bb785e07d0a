import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { typeScriptFiles } from '../support/import-graph.js';

/**
 * What a warm container keeps from one invocation to the next lives in its ContainerMemory (made once by the handler
 * factory), never in a module: a module-level collection outlives invocations unseen and is shared by every handler of
 * the process. So a collection at the top of a module of lambda/ is a constant: declared ReadonlyMap or ReadonlySet.
 */
const REPO = resolve(import.meta.dirname, '../..');
const MODULE_LEVEL_COLLECTION = /^(?:export )?(?:const|let|var) (\w+)(?:: ([^=]+))? = new (Map|Set|WeakMap|WeakSet)\b/;
const MODULE_LEVEL_MUTABLE_TYPE = /^(?:export )?(?:let|var) (\w+): (?:Map|Set|WeakMap|WeakSet)</;

function mutableModuleCollections(path: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `${path}:${index + 1}`;
    const declared = MODULE_LEVEL_COLLECTION.exec(line);
    if (declared && !/^Readonly(Map|Set)</.test(declared[2]?.trim() ?? '')) found.push(`${where}: ${declared[1]} (new ${declared[3]})`);
    const typed = MODULE_LEVEL_MUTABLE_TYPE.exec(line);
    if (typed) found.push(`${where}: ${typed[1]}`);
  });
  return found;
}

describe('container state', () => {
  it('lives in the container memory: no module of lambda/ holds a mutable collection', () => {
    const files = typeScriptFiles(REPO, 'lambda');
    expect(files.length).toBeGreaterThan(40);
    expect(files.flatMap((file) => mutableModuleCollections(file, readFileSync(resolve(REPO, file), 'utf8')))).toEqual([]);
  });

  it('finds one', () => {
    const text = [
      'const pools = new Map<string, Pool>();',
      'export const seen: WeakMap<object, number> = new WeakMap();',
      'let cache: Set<string> | undefined;',
      'const NAMES: ReadonlySet<string> = new Set(["a"]);',
      '  const local = new Map();',
    ].join('\n');
    expect(mutableModuleCollections('x.ts', text)).toEqual(['x.ts:1: pools (new Map)', 'x.ts:2: seen (new WeakMap)', 'x.ts:3: cache']);
  });
});
