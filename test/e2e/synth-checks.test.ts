import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { DEFAULT_CONFIG_FILE, EXAMPLE_CONFIG_FILE } from '../../infra/config/load-config.js';
import { APPLIANCES, manyAppliances } from '../support/synth-config.js';
import { CFN_LINT, isToolPresent, skippedForMissing } from '../support/toolchain.js';

const REPO = resolve(import.meta.dirname, '../..');

/** Every kind of resource the app can create: VPC with endpoints and its own security group, KMS, nested alarm stacks. */
const FULL_CONFIG = {
  stackName: 'MptcpFull',
  counters: 'all',
  secretsKmsKeyArns: ['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
  vpc: {
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
    createEndpoints: true,
    routeTableIds: ['rtb-0123456789abcdef0'],
  },
  alarms: { emails: ['oncall@example.com'] },
  appliances: [{ ...APPLIANCES[0]!, virtualServers: ['lb/vs_web', 'cs/front end#1'] }, ...APPLIANCES.slice(1), ...manyAppliances(58)],
};

/** A project directory with `config` as mptcp-monitoring.json (or only the committed example). */
function projectDir(config?: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-app-'));
  if (config) writeFileSync(join(dir, DEFAULT_CONFIG_FILE), JSON.stringify(config));
  else copyFileSync(join(REPO, EXAMPLE_CONFIG_FILE), join(dir, EXAMPLE_CONFIG_FILE));
  return dir;
}

/** Synthesizes the app as `cdk synth` does (cdk-nag included) into a fresh directory; bundling only when asked. */
function synthApp(config?: object, options: { bundle?: boolean } = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'mptcp-cdk-out-'));
  const built = buildApp({ outdir, ...(options.bundle ? {} : { context: { 'aws:cdk:bundling-stacks': [] } }) }, projectDir(config));
  const assembly = built.app.synth();
  return { ...built, outdir, assembly };
}

/** Each configuration is synthesized once (with cdk-nag) and shared by the checks below. */
const synthesized = new Map<string, ReturnType<typeof synthApp>>();
function synthOnce(label: 'example' | 'full'): ReturnType<typeof synthApp> {
  if (!synthesized.has(label)) synthesized.set(label, synthApp(label === 'full' ? FULL_CONFIG : undefined));
  return synthesized.get(label)!;
}

describe('cdk-nag AwsSolutions', () => {
  for (const [label, key] of [
    ['the committed example', 'example'],
    ['a VPC deployment with endpoints, KMS and nested alarm stacks', 'full'],
  ] as const) {
    it(`passes for ${label} (synth fails on any unacknowledged finding)`, () => {
      const { outdir } = synthOnce(key);
      const reportPath = join(outdir, 'validation-report.json');
      if (existsSync(reportPath)) {
        const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { pluginReports?: { violations?: unknown[] }[] };
        expect((report.pluginReports ?? []).flatMap((r) => r.violations ?? [])).toEqual([]);
      }
    });
  }

  it('is wired into the app: an unacknowledged finding fails the synth', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'mptcp-cdk-out-'));
    const { app, stack } = buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }, projectDir({ appliances: APPLIANCES }));
    new iam.Role(stack, 'Wildcard', { assumedBy: new iam.AccountRootPrincipal() }).addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });

  it('acknowledges findings only with a reason', () => {
    const { stack } = synthOnce('full');
    const acknowledgements = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id: id.replace(/^Annotation::/, ''), reason })),
      );
    expect(acknowledgements.map((a) => a.id.replace(/<.*>/, '<fn>')).sort()).toEqual([
      'AwsSolutions-DDB3',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<fn>:*]',
      'AwsSolutions-SNS2',
    ]);
    for (const { id, reason } of acknowledgements) expect(reason.length, id).toBeGreaterThan(80);
  });
});

describe('cfn-lint', () => {
  const available = isToolPresent(CFN_LINT);
  if (!available && process.env.CI === 'true') {
    it('is installed (required in CI)', () => {
      expect.fail(`cfn-lint is not on PATH: CI must install it (${CFN_LINT.install})`);
    });
    return;
  }
  const title = 'reports no error on the synthesized templates (example and full deployments, nested stacks included)';
  it.skipIf(!available)(
    available ? title : skippedForMissing(title, `cfn-lint is not installed (${CFN_LINT.install})`),
    () => {
      const templates = (['example', 'full'] as const).flatMap((key) => {
        const { outdir } = synthOnce(key);
        return readdirSync(outdir)
          .filter((f) => f.endsWith('.template.json'))
          .map((f) => join(outdir, f));
      });
      expect(templates.length).toBeGreaterThan(2);
      const lint = spawnSync('cfn-lint', ['--non-zero-exit-code', 'error', '--', ...templates], { encoding: 'utf8' });
      expect(lint.status, `${lint.stdout}\n${lint.stderr}`).toBe(0);
      // Two syntheses with cdk-nag and cfn-lint over every template: tens of seconds on a shared machine.
    },
    180_000,
  );
});
