import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { validateConfig } from '../../infra/config/load-config.js';
import { MptcpMonitoringStack } from '../../infra/stack.js';

/** Two appliances: one by name, one by complete secret ARN. */
export const APPLIANCES = [
  { name: 'adc-1', url: 'https://adc-1.example.net', secretId: 'netscaler/adc-1' },
  {
    name: 'adc-2',
    url: 'https://10.0.0.2:8443',
    secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:netscaler/adc-2-AbC123',
    tlsServerName: 'adc-2.example.net',
  },
];

export type ConfigInput = Record<string, unknown>;

export function configWith(overrides: ConfigInput = {}): ConfigInput {
  return { appliances: APPLIANCES, alarms: { emails: ['oncall@example.com'] }, ...overrides };
}

/** n appliances named adc-001, adc-002, ... sharing one secret. */
export function manyAppliances(n: number): { name: string; url: string; secretId: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `adc-${String(i + 1).padStart(3, '0')}`;
    return { name, url: `https://${name}.example.net`, secretId: 'netscaler/fleet' };
  });
}

export interface Synthesized {
  readonly app: App;
  readonly stack: MptcpMonitoringStack;
  readonly template: Template;
}

/**
 * The app's stack for a config file's content, validated the way the app does, without bundling (fast).
 */
export function synthConfig(input: ConfigInput, options: { isExample?: boolean } = {}): Synthesized {
  const config = validateConfig(input, 'mptcp-monitoring.json');
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new MptcpMonitoringStack(app, 'Test', { config, isExample: options.isExample ?? false });
  return { app, stack, template: Template.fromStack(stack) };
}

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }
>;

/** Resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The only resource of a type (fails when there is not exactly one). */
export function onlyResource(
  template: Template,
  type: string,
): { id: string; Properties: Record<string, unknown>; DeletionPolicy?: string } {
  const found = Object.entries(resourcesOf(template, type));
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  const [id, resource] = found[0]!;
  return { id, Properties: resource.Properties ?? {}, ...(resource.DeletionPolicy ? { DeletionPolicy: resource.DeletionPolicy } : {}) };
}

/** Statements of the IAM policies attached to the role whose logical id starts with `rolePrefix`. */
export function policyStatementsOf(template: Template, rolePrefix: string): Record<string, unknown>[] {
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((policy) => {
    const roles = (policy.Properties?.Roles ?? []) as { Ref?: string }[];
    return roles.some((role) => role.Ref?.startsWith(rolePrefix));
  });
  return policies.flatMap((policy) => (policy.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
}

/** Logical id of the only resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(resourcesOf(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}
