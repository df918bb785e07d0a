import { defineConfig } from 'vitest/config';

/**
 * Tests sorted by what they need (test/unit/test-layout.test.ts keeps every test file in one of these folders):
 * - unit: pure and fast, no simulator, no moto_server, no bundling;
 * - integration: the NITRO simulator over HTTPS, moto_server, the CLI, CDK synthesis without bundling;
 * - e2e: the bundled function (esbuild), the Lambda runtime interface client, cfn-lint on a bundled synth, soak.
 * `npm test` runs all three; `npm run test:unit` (and test:integration, test:e2e) one of them.
 */
const kind = (name: 'unit' | 'integration' | 'e2e') => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`] },
});

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One warning per run (not per file) when moto_server is missing outside CI.
    globalSetup: ['test/support/moto-global-setup.ts'],
    // Last words of a run that skipped suites for a missing tool: which, and what installs it.
    reporters: ['default', './test/support/skip-summary-reporter.ts'],
    projects: [kind('unit'), kind('integration'), kind('e2e')],
  },
});
