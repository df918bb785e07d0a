import { buildApp } from './build-app.js';
import { ConfigFileError } from './config/load-config.js';

// Run by the CDK CLI (cdk.json: npx tsx infra/app.ts). A configuration error is the operator's to fix:
// print it without a stack trace.
try {
  const { app, loaded } = buildApp();
  if (loaded.isExampleFallback) {
    process.stderr.write(
      `WARNING: ${loaded.path} is the committed example config: the schedules are deployed DISABLED. See the Deployment section of README.md.\n`,
    );
  }
  app.synth();
} catch (error) {
  if (error instanceof ConfigFileError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
