/**
 * The project's import graph, read from the sources: which module names which (static imports and exports,
 * type-only ones included, and dynamic import()). Read by test/unit/layering.test.ts and
 * test/unit/import-graph.test.ts. No vitest import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** Every module specifier a file names: static imports and exports (type-only included), and dynamic import(). */
export function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  for (const match of source.matchAll(
    /(?:^|[\s;])(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm,
  )) {
    specifiers.push((match[1] ?? match[2] ?? match[3])!);
  }
  return specifiers;
}

export interface Import {
  /** The importing module, relative to `root` ('/' separated). */
  readonly from: string;
  /** A relative specifier resolved to a path relative to `root` (`.js` read as `.ts`); a package name as written. */
  readonly to: string;
}

/** The `.ts` files under `directory` (relative to `root`), '/' separated. */
export function typeScriptFiles(root: string, directory: string): string[] {
  return readdirSync(join(root, directory), { recursive: true, encoding: 'utf8' })
    .map((file) => join(directory, file).split('\\').join('/'))
    .filter((file) => file.endsWith('.ts') && !file.split('/').includes('node_modules'));
}

/** The imports of each of `files` (paths relative to `root`). */
export function importsOfFiles(root: string, files: readonly string[]): Import[] {
  return files.flatMap((file) =>
    importsOf(readFileSync(join(root, file), 'utf8')).map((specifier) => ({
      from: file,
      to: specifier.startsWith('.')
        ? relative(root, resolve(root, dirname(file), specifier))
            .split('\\')
            .join('/')
            .replace(/\.js$/, '.ts')
        : specifier,
    })),
  );
}

/**
 * The cycles of a directed graph: one per strongly connected component of more than one module (or a module that
 * imports itself), each as a path that starts and ends at the component's first module in sort order.
 */
export function cyclesOf(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || edges.get(node)?.has(node)) components.push(component.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => cyclePath(edges, new Set(component), component[0]!)).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** A shortest path from `start` back to itself inside `component` (breadth first). */
function cyclePath(edges: ReadonlyMap<string, ReadonlySet<string>>, component: ReadonlySet<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of [...(edges.get(node) ?? [])].sort()) {
      if (!component.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (!cameFrom.has(to) && to !== start) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}
