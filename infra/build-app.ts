import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

const DISABLE_CREATION_STACK_TRACES = 'aws:cdk:disable-creation-stack-traces';

import { type LoadedConfig, loadConfig } from './config/load-config.js';
import { DEFAULT_STACK_NAME, MptcpMonitoringStack } from './stack.js';

export interface BuiltApp {
  readonly app: App;
  readonly stack: MptcpMonitoringStack;
  readonly loaded: LoadedConfig;
}

/**
 * The CDK app: the config file from context `config` (default mptcp-monitoring.json, else the committed
 * example), one stack, and the cdk-nag AwsSolutions checks (synth fails on an unacknowledged finding).
 */
export function buildApp(appProps: AppProps = {}, cwd: string = process.cwd()): BuiltApp {
  // No creation stack traces: synth would print the stack's source position (infra/build-app.ts:22:17) above
  // every warning, which says nothing to the user.
  const app = new App({ ...appProps, context: { [DISABLE_CREATION_STACK_TRACES]: true, ...appProps.context } });
  const loaded = loadConfig(app.node.tryGetContext('config'), cwd);
  const { config } = loaded;
  const account = config.env?.account;
  const region = config.env?.region;
  const stack = new MptcpMonitoringStack(app, config.stackName ?? DEFAULT_STACK_NAME, {
    config,
    isExample: loaded.isExample,
    ...(account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, loaded };
}
