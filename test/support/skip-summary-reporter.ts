/**
 * The last thing a test run prints when suites were skipped because a system tool is missing: each skipped suite
 * (file and name), why, and the command that installs what is missing. Suites that skip for a missing tool say so
 * in their name: "<name> (skipped: <why>)" (describeWithMoto, describeWithLambdaRuntime, the cfn-lint test).
 * Under CI=true they fail instead, so this stays quiet there.
 */
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';
import { runtimeClientCacheDir } from './runtime-client.js';
import { installCommands, missingTools, SKIPPED_FOR_MISSING, SYSTEM_TOOLS } from './toolchain.js';

export default class SkipSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped = new Map<string, { readonly file: string; readonly name: string; readonly why: string; tests: number }>();
    for (const module of testModules) {
      for (const test of module.children.allTests('skipped')) {
        const marked = markedAncestor(test);
        if (marked === undefined) continue;
        const key = `${module.relativeModuleId}\u0000${marked.name}`;
        const entry = skipped.get(key) ?? { file: module.relativeModuleId, name: marked.name, why: marked.why, tests: 0 };
        entry.tests += 1;
        skipped.set(key, entry);
      }
    }
    if (skipped.size === 0) return;
    const tests = [...skipped.values()].reduce((sum, entry) => sum + entry.tests, 0);
    const lines = [
      '',
      `SKIPPED ${plural(tests, 'test')} in ${plural(skipped.size, 'suite')} because a tool they need is missing here:`,
      ...[...skipped.values()].map((entry) => `  - ${entry.file} > ${entry.name} (${plural(entry.tests, 'test')}): ${entry.why}`),
    ];
    const missing = missingTools(SYSTEM_TOOLS);
    if (missing.length > 0) lines.push('To run them, install:', ...installCommands(missing).map((command) => `  ${command}`));
    lines.push(
      `(The Lambda runtime interface client is built by npm test itself, into ${runtimeClientCacheDir()}, once the tools are here.)`,
      'npm run doctor lists what is present and what is missing. With CI=true these suites fail instead of skipping.',
      '',
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

function markedAncestor(test: TestCase): { readonly name: string; readonly why: string } | undefined {
  let node: TestCase | TestSuite | TestModule = test;
  while (node.type !== 'module') {
    const match = SKIPPED_FOR_MISSING.exec(node.name);
    if (match !== null) return { name: match[1]!, why: match[2]! };
    node = node.parent;
  }
  return undefined;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
