import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigFileError,
  DEFAULT_CONFIG_FILE,
  EXAMPLE_CONFIG_FILE,
  loadConfig,
  locateConfig,
  parseConfigText,
  validateConfig,
} from '../../infra/config/load-config.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import { APPLIANCES, type ConfigInput, configWith, manyAppliances } from '../support/synth-config.js';

const FILE = 'mptcp-monitoring.json';

/** The validation error message for a config (fails the test when the config is accepted). */
function problemsOf(input: unknown): string {
  try {
    validateConfig(input, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigFileError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

const withAlarm = (name: string, settings: ConfigInput) => configWith({ alarms: { [name]: settings } });

describe('config file validation: each error names the field and says what is allowed', () => {
  let certificate: string;
  beforeAll(async () => {
    certificate = (await generate([{ name: 'commonName', value: 'config validation test CA' }])).cert;
  });

  it('accepts a minimal file (appliances only) and the committed example', () => {
    expect(validateConfig({ appliances: APPLIANCES }, FILE).appliances).toHaveLength(2);
    const example = resolve(import.meta.dirname, '../..', EXAMPLE_CONFIG_FILE);
    expect(parseConfigText(readFileSync(example, 'utf8'), EXAMPLE_CONFIG_FILE).appliances.length).toBeGreaterThan(0);
  });

  it('rejects text that is not JSON, naming the file', () => {
    expect(() => parseConfigText('{"appliances": [', FILE)).toThrow(/^mptcp-monitoring\.json: not valid JSON: /);
  });

  it('requires appliances', () => {
    expect(problemsOf({})).toContain(`${FILE}: appliances `);
  });

  it('names the appliance and field of an invalid appliance (the function schema)', () => {
    const appliances = [APPLIANCES[0], { ...APPLIANCES[1], url: 'ftp://adc-2' }];
    expect(problemsOf({ appliances })).toContain(`${FILE}: appliances[1] (adc-2).url must be an absolute https:// URL`);
  });

  it('rejects credentials in an appliance URL without echoing them or the URL', () => {
    for (const url of ['https://:s3cret-Pa55@adc-2.example.net', 'https://monitor:s3cret-Pa55@adc-2.example.net:8443']) {
      const message = problemsOf({ appliances: [APPLIANCES[0], { ...APPLIANCES[1], url }] });
      expect(message).toBe(
        `invalid configuration (1 problem):\n  ${FILE}: appliances[1] (adc-2).url must not contain a username or password (user:password@): put the credentials into the secret named by secretId`,
      );
      for (const fragment of ['s3cret', 'Pa55', '@adc', 'example.net', url]) expect(message).not.toContain(fragment);
    }
  });

  it('rejects an inline caCertificate that is not a valid certificate, naming the block and never echoing the PEM', () => {
    const fake = `-----BEGIN CERTIFICATE-----\n${'QUJD'.repeat(100)}\n-----END CERTIFICATE-----\n`;
    const message = problemsOf({ appliances: [{ ...APPLIANCES[0], caCertificate: `${certificate}${certificate}${fake}` }, APPLIANCES[1]] });
    expect(message).toContain(
      `${FILE}: appliances[0] (adc-1).caCertificate is not a PEM certificate bundle: block 3 of 3 is not a valid X.509 certificate`,
    );
    expect(message).not.toContain('QUJDQUJD');
    expect(message).not.toContain(certificate.split('\n')[1]!.slice(0, 16));
    expect(validateConfig({ appliances: [{ ...APPLIANCES[0], caCertificate: certificate }] }, FILE).appliances[0]?.caCertificate).toBe(
      certificate,
    );
  });

  it('rejects duplicate appliance names', () => {
    expect(problemsOf({ appliances: [APPLIANCES[0], APPLIANCES[0]] })).toContain(
      'appliances[1] (adc-1).name "adc-1" is already used by appliances[0]',
    );
  });

  it('rejects an unknown top-level field and lists the allowed ones', () => {
    const message = problemsOf(configWith({ counter: 'all' }));
    expect(message).toContain(`${FILE}: the top level has unknown field "counter"; did you mean "counters"? Allowed: $comment, stackName,`);
    expect(message).toContain('counters');
  });

  it('rejects an unknown nested field with its path', () => {
    expect(problemsOf(withAlarm('fallbacks', { treshold: 5 }))).toContain(
      'alarms.fallbacks has unknown field "treshold"; did you mean "threshold"? Allowed: enabled, threshold, periodMinutes,',
    );
  });

  it('rejects an unknown counter with the closest names (string form)', () => {
    expect(problemsOf(configWith({ counters: 'default,ChecksumError' }))).toContain(
      `${FILE}: counters names an unknown counter "ChecksumError"; did you mean "ChecksumErrors"`,
    );
  });

  it('points at the list entry of an unknown counter (array form)', () => {
    expect(problemsOf(configWith({ counters: ['CurrentSessions', 'SesionsCreated'] }))).toContain(
      'counters[1] names an unknown counter "SesionsCreated"',
    );
  });

  it('rejects a counter list too long for the function environment', () => {
    const every = resolveSelection('everything').map((m) => m.nitroName);
    expect(problemsOf(configWith({ counters: [...every, ...every] }))).toMatch(/counters is 3\d{3} characters long: at most 3000 fit/);
  });

  it('rejects an empty counter selection and a counters value of the wrong type', () => {
    expect(problemsOf(configWith({ counters: ' , ' }))).toContain('counters must name at least one counter');
    expect(problemsOf(configWith({ counters: 5 }))).toContain(
      'counters must be "default", "all", "everything", a comma-separated list or an array',
    );
  });

  it('requires alarm thresholds to be numbers >= 0', () => {
    expect(problemsOf(withAlarm('fallbacks', { threshold: '5' }))).toContain(`${FILE}: alarms.fallbacks.threshold must be a number >= 0`);
    expect(problemsOf(withAlarm('protocolErrors', { threshold: -1 }))).toContain('alarms.protocolErrors.threshold must be a number >= 0');
  });

  it('requires whole numbers of periods and datapoints within the evaluation window', () => {
    expect(problemsOf(withAlarm('fallbacks', { evaluationPeriods: 1.5 }))).toContain(
      'alarms.fallbacks.evaluationPeriods must be a whole number from 1 to 1440 (got 1.5)',
    );
    expect(problemsOf(withAlarm('fallbacks', { evaluationPeriods: 2, datapointsToAlarm: 3 }))).toContain(
      'alarms.fallbacks.datapointsToAlarm must be at most evaluationPeriods (2)',
    );
    expect(problemsOf(withAlarm('protocolErrors', { periodMinutes: 60, evaluationPeriods: 25 }))).toContain(
      'alarms.protocolErrors.evaluationPeriods times the period (60 min) must be at most one day',
    );
  });

  it('requires alarm periods to be a multiple of the schedule rate', () => {
    const input = configWith({ schedule: { rateMinutes: 5 }, alarms: { joinsRejected: { periodMinutes: 3 } } });
    expect(problemsOf(input)).toContain('alarms.joinsRejected.periodMinutes must be a multiple of the interval (5 minutes)');
  });

  it('rejects a collectionFailing threshold (it is fixed) and a duration threshold outside 1-100 %', () => {
    expect(problemsOf(withAlarm('collectionFailing', { threshold: 0 }))).toContain(
      'alarms.collectionFailing has unknown field "threshold"',
    );
    expect(problemsOf(withAlarm('functionDuration', { thresholdPercent: 150 }))).toContain(
      'alarms.functionDuration.thresholdPercent must be a percentage of the collection window from 1 to 100 (got 150)',
    );
  });

  it('limits the protocol-errors alarm to 10 selected counters', () => {
    const eleven = ['ChecksumErrors', 'InvalidMacErrors', 'UnknownTokenErrors', 'InvalidCookieErrors', 'InvalidOptionErrors'];
    const all = configWith({
      counters: 'all',
      alarms: { protocolErrors: { metrics: [...eleven, ...eleven.map((n) => n), 'DssPackets'] } },
    });
    expect(problemsOf(all)).toContain('alarms.protocolErrors.metrics lists 11 counters: a metric-math alarm takes at most 10');
    const notSelected = configWith({ alarms: { protocolErrors: { metrics: ['DssPackets'] } } });
    expect(problemsOf(notSelected)).toContain('alarms.protocolErrors.metrics names "DssPackets", which is not a selected counter');
  });

  it('rejects e-mails together with an existing topic, and malformed addresses and ARNs', () => {
    const both = configWith({ alarms: { emails: ['a@example.com'], topicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall' } });
    expect(problemsOf(both)).toContain('alarms.emails cannot be combined with an existing topic');
    expect(problemsOf(configWith({ alarms: { emails: ['oncall'] } }))).toContain('alarms.emails[0] must be an e-mail address');
    expect(problemsOf(configWith({ alarms: { topicArn: 'oncall' } }))).toContain('alarms.topicArn must be an SNS topic ARN');
  });

  it('limits the function timeout to the interval minus 10 seconds', () => {
    expect(problemsOf(configWith({ function: { timeoutSeconds: 55 } }))).toContain(
      `${FILE}: function.timeoutSeconds must be at most 50 seconds with a 1-minute interval`,
    );
    expect(() => validateConfig(configWith({ schedule: { rateMinutes: 5 }, function: { timeoutSeconds: 290 } }), FILE)).not.toThrow();
  });

  it('checks schedule, memory, retention, resolution and namespace ranges', () => {
    expect(problemsOf(configWith({ schedule: { rateMinutes: 0 } }))).toContain(
      'schedule.rateMinutes must be a whole number of minutes from 1 to 1440 (got 0)',
    );
    expect(problemsOf(configWith({ schedule: { shardSize: 0 } }))).toContain(
      'schedule.shardSize must be a whole number from 1 to 100 (got 0)',
    );
    expect(problemsOf(configWith({ function: { memoryMiB: 64 } }))).toContain(
      'function.memoryMiB must be a whole number of MiB from 128 to 10240 (got 64)',
    );
    expect(problemsOf(configWith({ function: { logRetentionDays: 31 } }))).toContain(
      'function.logRetentionDays must be one of 1, 3, 5, 7, 14, 30,',
    );
    expect(problemsOf(configWith({ storageResolution: 10 }))).toContain(
      'storageResolution must be 60 or 1 (60: standard resolution, 1: high resolution) (got 10)',
    );
    expect(problemsOf(configWith({ namespace: 'AWS/MPTCP' }))).toContain('namespace must not start with "AWS/"');
    expect(problemsOf(configWith({ namespace: "Net'Scaler" }))).toContain('namespace must be a CloudWatch namespace');
  });

  it('checks the stack name, environment and tags', () => {
    expect(problemsOf(configWith({ stackName: '1st' }))).toContain('stackName must be a CloudFormation stack name');
    expect(problemsOf(configWith({ env: { account: '1234' } }))).toContain('env.account must be a 12-digit AWS account id');
    expect(problemsOf(configWith({ tags: { team: 5 } }))).toContain(
      'tags.team must be a string tag value of at most 256 characters (got 5)',
    );
  });

  it('checks VPC ids and requires route tables when endpoints are created', () => {
    expect(problemsOf(configWith({ vpc: { vpcId: 'vpc-1', subnetIds: ['subnet-0123456789abcdef0'] } }))).toContain(
      'vpc.vpcId must be a VPC id',
    );
    expect(problemsOf(configWith({ vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: [] } }))).toContain(
      'vpc.subnetIds must list at least one subnet id',
    );
    const endpoints = configWith({
      vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], createEndpoints: true },
    });
    expect(problemsOf(endpoints)).toContain('vpc.routeTableIds is required when createEndpoints is true');
  });

  it('checks KMS key ARNs', () => {
    expect(problemsOf(configWith({ secretsKmsKeyArns: ['alias/aws/secretsmanager'] }))).toContain(
      'secretsKmsKeyArns[0] must be a KMS key ARN',
    );
  });

  it('rejects a shard whose event would be too large for an asynchronous invocation', () => {
    const pem = `${certificate}\n`.repeat(Math.ceil(20_000 / certificate.length));
    const appliances = manyAppliances(12).map((a) => ({ ...a, caCertificate: pem }));
    expect(problemsOf({ appliances })).toContain('schedule.shardSize is too large: shard 1 would pass');
    expect(() => validateConfig({ appliances, schedule: { shardSize: 5 } }, FILE)).not.toThrow();
  });

  it('limits a deployment to 500 appliances and 250 distinct secrets', () => {
    expect(problemsOf({ appliances: manyAppliances(501) })).toContain('appliances lists 501 appliances: at most 500 per deployment');
    const ownSecrets = manyAppliances(251).map((a) => ({ ...a, secretId: `netscaler/${a.name}` }));
    expect(problemsOf({ appliances: ownSecrets })).toContain('appliances use 251 distinct secretId values: at most 250 per deployment');
  });

  it('reports every problem at once, one per line', () => {
    const message = problemsOf(configWith({ counters: 'Nope', schedule: { rateMinutes: 0 }, alarms: { fallbacks: { threshold: -1 } } }));
    expect(message).toMatch(/^invalid configuration \(3 problems\):\n/);
    expect(message.split('\n').filter((line) => line.startsWith(`  ${FILE}: `))).toHaveLength(3);
  });
});

describe('config errors in plain words (issue 12)', () => {
  it('names a mistyped key and the field it probably is, also inside an appliance', () => {
    const appliances = [APPLIANCES[0], { name: 'adc-2', url: 'https://adc-2.example.net', secretID: 'netscaler/adc-2' }];
    const message = problemsOf({ appliances });
    expect(message).toMatch(
      /^invalid configuration \(1 problem\):\n {2}mptcp-monitoring\.json: appliances\[1\] \(adc-2\) has unknown field "secretID"; /,
    );
    expect(message).toContain(
      'has unknown field "secretID"; did you mean "secretId" (required)? Allowed: name, url, secretId, caCertificate,',
    );
    expect(problemsOf(configWith({ schedule: { shardsize: 5 } }))).toContain(
      'schedule has unknown field "shardsize"; did you mean "shardSize"?',
    );
  });

  it('reports every unknown counter at once, each with its closest names', () => {
    const message = problemsOf(configWith({ counters: 'ChecksumError,default,SesionsCreated,Nope' }));
    expect(message).toMatch(/^invalid configuration \(3 problems\):/);
    expect(message).toContain('counters names an unknown counter "ChecksumError"; did you mean "ChecksumErrors"');
    expect(message).toContain('counters names an unknown counter "SesionsCreated"; did you mean "SessionsCreated"');
    expect(message).toContain('counters names an unknown counter "Nope". Allowed: "default", "all"');
  });

  it('gives the line and column of a JSON syntax error, without quoting the text', () => {
    const text = '{\n  "appliances": [\n    { "name": "adc-1", "url": "https://adc-1" },\n  ],\n}\n';
    expect(() => parseConfigText(text, FILE)).toThrow(
      `${FILE}: not valid JSON: line 4, column 3: expected a value (no comma before "]"), found "]"`,
    );
    expect(() => parseConfigText('{"appliances": [', FILE)).toThrow(
      `${FILE}: not valid JSON: line 1, column 17: expected a value (a string, number, object, list, true, false or null), found the end of the text`,
    );
    expect(() => parseConfigText('{"a": "secret-value\n"}', FILE)).toThrow('line 1, column 20: expected a closing quote');
    expect(() => parseConfigText('{"a": "secret-value\n"}', FILE)).not.toThrow(/secret-value/);
  });

  it('never shows validator wording, whatever the input', () => {
    const inputs: unknown[] = [
      null,
      [],
      'x',
      {},
      { appliances: {} },
      { appliances: [null, 5, 'x', [], {}] },
      { appliances: [{ name: 5, url: false, secretId: [] }] },
      configWith({ schedule: 'x', function: [], alarms: { fallbacks: null }, tags: [], env: 5, counters: [5, null] }),
    ];
    for (const input of inputs) {
      const message = problemsOf(input);
      expect(message).not.toMatch(/Invalid input|expected \w+, received|Unrecognized key|ZodError/);
      for (const line of message.split('\n').slice(1)) {
        expect(line, line).toMatch(
          /^ {2}mptcp-monitoring\.json: (and \d+ more problems?$|(the top level|[\w$.[\]() -]+) (is|must|has|lists|names) )/,
        );
      }
    }
  });

  it('lists every problem, none hidden behind a count', () => {
    const appliances = Array.from({ length: 12 }, (_, i) => ({ name: `adc-${i}`, url: 'ftp://x', secretId: 's' }));
    const message = problemsOf({ appliances });
    expect(message.split('\n')).toHaveLength(1 + 12);
    expect(message).toMatch(/^invalid configuration \(12 problems\):/);
    expect(message).toContain(`${FILE}: appliances[11] (adc-11).url`);
    expect(message).not.toContain('more problem');
  });

  it('cuts text from the input to a short excerpt (keys, names, counters)', () => {
    const long = 'x'.repeat(10_000);
    for (const input of [
      configWith({ [long]: 1 }),
      configWith({ counters: ['x'.repeat(2_000)] }),
      { appliances: [APPLIANCES[0], { ...APPLIANCES[1], name: APPLIANCES[0]!.name }], [`${long}b`]: 1 },
    ]) {
      const message = problemsOf(input);
      expect(message.length, message.slice(0, 200)).toBeLessThan(2_000);
      expect(message).toContain(`"${'x'.repeat(40)}"...`);
    }
  });
});

describe('config file location', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'mptcp-config-'));

  it('uses mptcp-monitoring.json when it exists', () => {
    const cwd = dir();
    writeFileSync(join(cwd, DEFAULT_CONFIG_FILE), JSON.stringify({ appliances: APPLIANCES }));
    writeFileSync(join(cwd, EXAMPLE_CONFIG_FILE), JSON.stringify({ appliances: [APPLIANCES[0]] }));
    const loaded = loadConfig(undefined, cwd);
    expect(loaded).toMatchObject({ path: join(cwd, DEFAULT_CONFIG_FILE), isExample: false });
    expect(loaded.config.appliances).toHaveLength(2);
  });

  it('falls back to the committed example when the default file does not exist', () => {
    const cwd = dir();
    writeFileSync(join(cwd, EXAMPLE_CONFIG_FILE), JSON.stringify({ appliances: APPLIANCES }));
    expect(locateConfig(undefined, cwd)).toEqual({ path: join(cwd, EXAMPLE_CONFIG_FILE), isExample: true });
  });

  it('treats the committed example as the example however it is chosen (by -c config= too, from any directory)', () => {
    const cwd = dir();
    writeFileSync(join(cwd, EXAMPLE_CONFIG_FILE), JSON.stringify({ appliances: APPLIANCES }));
    writeFileSync(join(cwd, DEFAULT_CONFIG_FILE), JSON.stringify({ appliances: APPLIANCES }));
    expect(locateConfig(EXAMPLE_CONFIG_FILE, cwd)).toEqual({ path: join(cwd, EXAMPLE_CONFIG_FILE), isExample: true });
    expect(locateConfig(`./${EXAMPLE_CONFIG_FILE}`, cwd).isExample).toBe(true);
    expect(locateConfig(join(cwd, EXAMPLE_CONFIG_FILE), '/').isExample).toBe(true);
    expect(locateConfig(DEFAULT_CONFIG_FILE, cwd).isExample).toBe(false);
  });

  it('fails when an explicitly given file does not exist (never falls back)', () => {
    const cwd = dir();
    writeFileSync(join(cwd, EXAMPLE_CONFIG_FILE), JSON.stringify({ appliances: APPLIANCES }));
    expect(() => locateConfig('prod.json', cwd)).toThrow(`config file ${join(cwd, 'prod.json')} (from -c config=prod.json) does not exist`);
    expect(() => locateConfig('', cwd)).toThrow('context "config" must be the path of the config file');
  });

  it('fails when neither the default nor the example exists', () => {
    expect(() => locateConfig(undefined, dir())).toThrow(`no config file: create ${DEFAULT_CONFIG_FILE}`);
  });

  it('names the file in validation errors', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'prod.json'), JSON.stringify({ appliances: [] }));
    expect(() => loadConfig('prod.json', cwd)).toThrow('prod.json: appliances must list at least one appliance');
  });
});
