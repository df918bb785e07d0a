import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCollect } from '../../cli/collect-command.js';
import { publishFailureLine } from '../../cli/collect-failure.js';
import { runLocal } from '../../cli/local-run-command.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, write: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe('npm start (local run on the simulator)', () => {
  it('collects twice and prints the metrics that would be published, with a line per appliance', async () => {
    const { out, err, write } = capture();
    const { exitCode, runs } = await runLocal({ intervalMs: 1_100, ...write });
    const text = out.join('\n');
    expect(exitCode).toBe(0);
    expect(text).toMatch(/Metric\s+Appliance\s+Value\s+Unit/);
    expect(text).toMatch(/SessionsCreated\s+sim-adc-1\s+\d+\s+Count/);
    expect(text).toContain('sim-adc-2: ok');
    expect(runs[1]!.datums.some((d) => d.metricName === 'SessionsCreated' && d.value > 0)).toBe(true);
    // One appliance of each firmware, and the 13.1 one is no warning; the default selection bills no MPTCP v1 metric (they are in "all").
    expect(text).toMatch(/sim-adc-1 on firmware 13\.1, sim-adc-2 on firmware 14\.1/);
    expect(text).toMatch(/CurrentSessions\s+sim-adc-2\s+\d+\s+Count/);
    expect(runs[1]!.datums.filter((d) => d.metricName.includes('V1'))).toEqual([]);
    expect(err.join('\n')).toBe('');
  });
});

describe('npm run collect', () => {
  let sim: Simulator;
  let caFile: string;
  const env = () => ({ ADC_PASSWORD: sim.password });
  const base = () => [
    '--url',
    sim.url,
    '--username',
    sim.username,
    '--password-env',
    'ADC_PASSWORD',
    '--ca-file',
    caFile,
    '--interval',
    '1',
  ];

  beforeAll(async () => {
    sim = await startSimulator({ seed: 3, autoAdvance: true });
    caFile = join(mkdtempSync(join(tmpdir(), 'mptcp-cli-')), 'ca.pem');
    writeFileSync(caFile, sim.caCertificate);
  });
  afterAll(async () => sim.close());

  it('--help explains every option and the exit codes', async () => {
    const { out, write } = capture();
    expect(await runCollect(['--help'], {}, write.out, write.err)).toBe(EXIT.ok);
    for (const option of [
      '--url',
      '--username',
      '--password-env',
      '--ca-file',
      '--server-name',
      '--counters',
      '--json',
      '--publish',
      'Exit codes',
    ]) {
      expect(out.join('\n')).toContain(option);
    }
  });

  it.each([
    [[], '--url is required'],
    [['--url', 'https://x', '--username', 'u'], '--password-env is required'],
    [['--url', 'https://x', '--username', 'u', '--password-env', 'NOPE'], 'NOPE (from --password-env) is not set'],
    [['--url', 'https://x', '--username', 'u', '--password', 'secret'], '--password is not accepted'],
    [
      ['--url', 'https://x', '--username', 'u', '--password-env', 'ADC_PASSWORD', '--counters', 'SessionCreated'],
      'did you mean "SessionsCreated"',
    ],
    [['--url', 'ftp://x', '--username', 'u', '--password-env', 'ADC_PASSWORD'], 'url must be an absolute https:// URL'],
    [['--bogus'], 'unknown option --bogus; known options:'],
    [['--countres', 'all'], 'unknown option --countres; did you mean --counters?'],
    [['--url', 'https://x', '--username', 'u', '--password-env', 'ADC_PASSWORD', '--counters', ''], '--counters "" names no counter'],
    [['--url', 'https://x', '--username', 'u', '--password-env', 'ADC_PASSWORD', '--counters', ' , '], '--counters " , " names no counter'],
    [
      ['--url', 'https://x', '--username', 'u', '--password-env', 'ADC_PASSWORD', '--ca-file', 'no-such-ca.pem'],
      '--ca-file no-such-ca.pem: no such file (the PEM bundle',
    ],
    [
      ['--url', 'https://x', '--username', 'u', '--password-env', 'ADC_PASSWORD', '--publish', '--region', 'eu-wset-1'],
      '--region eu-wset-1 is not a known AWS region; did you mean eu-west-1',
    ],
    [
      ['--url', 'https://x', '--username', 'u', '--password-env', 'ADC_PASSWORD', '--region', 'Ireland'],
      '--region "Ireland" is not an AWS region name',
    ],
    [
      ['--url', 'https://x', '--username', 'u', '--password-env', 'ADC_PASSWORD', '--counters', 'Sesions,SessionsCreated,ChecksumError'],
      'unknown counters "Sesions" (did you mean "CurrentSessions"',
    ],
    [
      ['--url', 'https://x', '--username', 'u', '--password-env', 'ADC_PASSWORD', '--counters', 'Sesions,ChecksumError'],
      '"ChecksumError" (did you mean "ChecksumErrors"',
    ],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const { err, write } = capture();
    expect(await runCollect(args, { ADC_PASSWORD: 'Kx7-moon-4711-cli' }, write.out, write.err)).toBe(EXIT.usage);
    expect(err.join('\n')).toContain(message);
  });

  it('answers a CloudWatch it cannot reach with where to look (endpoint, network), not with credentials and IAM', () => {
    const refused = publishFailureLine('connect ECONNREFUSED 127.0.0.1:4566');
    expect(refused).toContain('CloudWatch could not be reached: connect ECONNREFUSED 127.0.0.1:4566');
    expect(refused).toContain('is the URL and port right?');
    expect(refused).not.toMatch(/credentials|PutMetricData/);
    expect(publishFailureLine('AccessDenied: not authorized to perform cloudwatch:PutMetricData')).toContain(
      'allow cloudwatch:PutMetricData',
    );
  });

  it.each([
    ['appliance', /shorter than 12 characters/],
    ['Q7-collected-4711', /collector's own message text/],
  ])('refuses the password %j that redaction could not hide, without printing it', async (password, message) => {
    const { out, err, write } = capture();
    expect(
      await runCollect(
        ['--url', 'https://x', '--username', 'u', '--password-env', 'ADC_PASSWORD'],
        { ADC_PASSWORD: password },
        write.out,
        write.err,
      ),
    ).toBe(EXIT.usage);
    expect(err.join('\n')).toMatch(message);
    expect(err.join('\n')).toContain('ADC_PASSWORD');
    expect([...out, ...err].join('\n')).not.toContain(password);
  });

  it('dry-runs against an appliance and prints the metrics (counters from the second sample)', async () => {
    const { out, write } = capture();
    expect(await runCollect(base(), env(), write.out, write.err)).toBe(EXIT.ok);
    const text = out.join('\n');
    expect(text).toMatch(/SessionsCreated\s+127\.0\.0\.1\s+\d+\s+Count/);
    expect(text).toContain('dry run: nothing was sent to CloudWatch');
    expect(text).not.toContain(sim.password);
  });

  it('--json prints one parseable document', async () => {
    const { out, write } = capture();
    expect(
      await runCollect(
        [...base(), '--json', '--samples', '1', '--name', 'lab-adc', '--counters', 'CurrentSessions'],
        env(),
        write.out,
        write.err,
      ),
    ).toBe(EXIT.ok);
    const doc = JSON.parse(out.join('\n')) as {
      summary: { appliances: { name: string; outcome: string }[] };
      metrics: { metricName: string }[];
    };
    expect(doc.summary.appliances).toEqual([expect.objectContaining({ name: 'lab-adc', outcome: 'ok' })]);
    expect(doc.metrics.map((m) => m.metricName)).toContain('CurrentSessions');
  });

  it('exits 1 and names the error class when the appliance cannot be collected', async () => {
    const { out, err, write } = capture();
    expect(await runCollect([...base(), '--samples', '1'], { ADC_PASSWORD: 'wrong-Kx9-tide-0815' }, write.out, write.err)).toBe(
      EXIT.collectionFailed,
    );
    expect(out.join('\n')).toMatch(/127\.0\.0\.1: failed .* bad-credentials \[NITRO 354\]$/m);
    expect(err.at(-1)).toMatch(/rejected the username or password .*\(bad-credentials, NITRO 354\)/);
    expect([...out, ...err].join('\n')).not.toContain('wrong-Kx9-tide-0815');
  });
});
