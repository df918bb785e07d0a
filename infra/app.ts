import { buildApp } from './build-app.js';
import { ConfigFileError } from './config/load-config.js';

// Run by the CDK CLI (cdk.json: npx tsx infra/app.ts). A configuration error is the operator's to fix:
// print it without a stack trace.
try {
  // The example's disabled schedules are reported once, as the stack's synth warning.
  const { app } = buildApp();
  app.synth();
} catch (error) {
  if (error instanceof ConfigFileError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
