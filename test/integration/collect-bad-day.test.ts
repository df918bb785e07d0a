/**
 * `npm run collect` when things go wrong, against the simulator over real HTTPS (and moto_server for --publish):
 * the documented exit code, and a last line that says what failed and the fix in the CLI's own words.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT, runCollect } from '../../cli/collect-command.js';
import { generateUntrustedCa, type Simulator, startSimulator } from '../../simulator/index.js';
import { describeWithMoto } from '../support/moto.js';
import { readMetricSum, uniqueName } from '../support/moto-aws.js';

/** Everything written, stdout and stderr in the order written. */
function capture() {
  const lines: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const push = (stream: string[]) => (text: string) => {
    stream.push(text);
    lines.push(...text.split('\n'));
  };
  return {
    out,
    err,
    /** The last line a user sees (trailing empty lines aside). */
    lastLine: () => lines.filter((line) => line.trim() !== '').at(-1) ?? '',
    write: [push(out), push(err)] as const,
  };
}

/** Words of the config file, which the CLI does not have. */
const CONFIG_FILE_WORDS = /caCertificate|tlsServerName|allowPlainHttp|insecureSkipVerify|secretId|\bsecret\b/i;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let sim: Simulator;
let caFile: string;
let otherCaFile: string;
const env = () => ({ ADC_PASSWORD: sim.password });
const login = () => ['--username', sim.username, '--password-env', 'ADC_PASSWORD'];
const logins = () => sim.requests().filter((r) => r.path === '/nitro/v1/config/login').length;

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, autoAdvance: true });
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-collect-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, sim.caCertificate);
  otherCaFile = join(dir, 'other-ca.pem');
  writeFileSync(otherCaFile, await generateUntrustedCa());
});
afterAll(async () => sim.close());
afterEach(() => vi.unstubAllEnvs());

async function collect(args: readonly string[], environment: NodeJS.ProcessEnv = env()) {
  const c = capture();
  const code = await runCollect(args, environment, ...c.write);
  return { code, ...c };
}

describe('npm run collect on a bad day: the appliance', () => {
  it('closed port: exit 1, the last line names the refused connection and says to check --url, with no wait for a second sample', async () => {
    const port = await closedPort();
    const run = await collect(['--url', `https://127.0.0.1:${port}`, ...login(), '--interval', '30']);
    expect(run.code).toBe(EXIT.collectionFailed);
    expect(run.lastLine()).toMatch(
      /^error: 127\.0\.0\.1: login to https:\/\/127\.0\.0\.1:\d+\/nitro\/v1\/config\/login: connection refused \(transport-error\); check the host and port in --url/,
    );
    expect(run.err.join('\n')).not.toContain('waiting');
    // Said once: the sample line carries the class, not the message again.
    expect([...run.out, ...run.err].join('\n').match(/connection refused/g)).toHaveLength(1);
    expect(run.err.join('\n')).not.toMatch(/^\{/m);
  });

  it('wrong password: exit 1 after one login (no second login, no wait), the fix names --username and $ADC_PASSWORD', async () => {
    const before = logins();
    const run = await collect(['--url', sim.url, '--ca-file', caFile, ...login(), '--interval', '30'], {
      ADC_PASSWORD: 'Zq9-nope-guess-77',
    });
    expect(run.code).toBe(EXIT.collectionFailed);
    expect(logins() - before).toBe(1);
    expect(run.lastLine()).toMatch(
      /^error: 127\.0\.0\.1: the appliance rejected the username or password \(HTTP 401, NITRO errorcode 354 [^)]*\) \(bad-credentials, NITRO 354\); not retried, to avoid locking the account: check --username and the password in \$ADC_PASSWORD\.$/,
    );
    expect(run.lastLine()).not.toMatch(CONFIG_FILE_WORDS);
    expect(run.err.join('\n')).not.toContain('waiting');
    expect([...run.out, ...run.err].join('\n')).not.toContain('Zq9-nope-guess-77');
  });

  it('a certificate no given CA signed: exit 1, the fix is --ca-file', async () => {
    const run = await collect(['--url', sim.url, '--ca-file', otherCaFile, ...login(), '--samples', '1']);
    expect(run.code).toBe(EXIT.collectionFailed);
    expect(run.lastLine()).toMatch(
      /TLS verification failed .*\(transport-error\); pass the PEM of the CA that signed the appliance's management certificate with --ca-file FILE\.$/,
    );
    expect(run.lastLine()).not.toMatch(CONFIG_FILE_WORDS);
  });

  it('a certificate without the name to verify: exit 1, the fix is --server-name', async () => {
    const run = await collect(['--url', sim.url, '--ca-file', caFile, '--server-name', 'wrong.example.net', ...login(), '--samples', '1']);
    expect(run.code).toBe(EXIT.collectionFailed);
    expect(run.lastLine()).toMatch(/\(transport-error\); pass a name the certificate carries with --server-name NAME/);
    expect(run.lastLine()).not.toMatch(CONFIG_FILE_WORDS);
  });

  it('waits between samples with a progress line, and ends with what a dry run WOULD publish', async () => {
    const run = await collect(['--url', sim.url, '--ca-file', caFile, ...login(), '--samples', '2', '--interval', '1']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.err).toContain('waiting 1 s for sample 2 of 2 (counters are the increase between two samples)...');
    expect(run.lastLine()).toMatch(
      /^dry run: nothing was sent to CloudWatch; with --publish, \d+ datapoints would go to NetScaler\/MPTCP in 1 PutMetricData call\.$/,
    );
    expect(run.out.join('\n')).not.toMatch(/published \d+/);
  });

  it('a dry run with --json says what would be published, never that anything was', async () => {
    const run = await collect(['--url', sim.url, '--ca-file', caFile, ...login(), '--samples', '1', '--json']);
    expect(run.code).toBe(EXIT.ok);
    const text = run.out.join('\n');
    const doc = JSON.parse(text) as {
      dryRun: boolean;
      summary: { datapointsWouldPublish: number; appliances: { datapointsWouldPublish: number }[] };
    };
    expect(doc.dryRun).toBe(true);
    expect(doc.summary.datapointsWouldPublish).toBeGreaterThan(0);
    expect(doc.summary.appliances[0]?.datapointsWouldPublish).toBe(doc.summary.datapointsWouldPublish);
    expect(text).not.toMatch(/datapointsPublished|putMetricDataCalls"/);
  });
});

describe('npm run collect on a bad day: usage (exit 2, nothing sent to the appliance)', () => {
  it.each([
    [
      'plain http:// without --allow-http',
      ['--url', 'http://127.0.0.1:9'],
      /--url http:\/\/127\.0\.0\.1:9 is plain http:\/\/: use https:\/\/, or add --allow-http/,
    ],
    [
      'a reserved namespace',
      ['--url', 'https://127.0.0.1:9', '--publish', '--namespace', 'AWS/Foo'],
      /--namespace "AWS\/Foo" must not start with "AWS\/"/,
    ],
    ['an unknown option', ['--url', 'https://127.0.0.1:9', '--bogus'], /unknown option --bogus; known options: /],
    ['a bad URL', ['--url', 'ftp://x'], /^error: --url must be an absolute https:\/\/ URL/],
    ['credentials in the URL', ['--url', 'https://u:p@127.0.0.1:9'], /^error: --url must not contain a username or password .*--username/],
    [
      'a TLS name that is no DNS name',
      ['--url', 'https://127.0.0.1:9', '--server-name', 'a_b'],
      /^error: --server-name must be a DNS name/,
    ],
    ['an unknown counter', ['--url', 'https://127.0.0.1:9', '--counters', 'SessionCreated'], /did you mean "SessionsCreated"/],
    [
      'a missing password variable',
      ['--url', 'https://127.0.0.1:9', '--password-env', 'NOT_SET_ANYWHERE'],
      /NOT_SET_ANYWHERE \(from --password-env\) is not set or empty/,
    ],
  ])('%s', async (_case, args, message) => {
    const before = sim.requests().length;
    const run = await collect([...login(), ...args]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.lastLine()).toMatch(/^error: /);
    expect(run.lastLine()).toMatch(message);
    expect(run.lastLine()).toMatch(/Run with --help for usage\.$/);
    expect(run.lastLine()).not.toMatch(CONFIG_FILE_WORDS);
    expect(sim.requests().length).toBe(before);
  });

  it('--publish without a region names --region and AWS_REGION, before any login', async () => {
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', join(tmpdir(), 'no-such-aws-config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(tmpdir(), 'no-such-aws-credentials'));
    const before = logins();
    const run = await collect(['--url', sim.url, '--ca-file', caFile, ...login(), '--publish']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.lastLine()).toBe(
      'error: --publish needs an AWS region and none is set: pass --region REGION (e.g. --region eu-west-1) or set AWS_REGION.',
    );
    expect(logins()).toBe(before);
  });

  it('--publish with a --profile that does not exist says so and names --profile, before any login', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    vi.stubEnv('AWS_SESSION_TOKEN', undefined);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_CONFIG_FILE', join(tmpdir(), 'no-such-aws-config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(tmpdir(), 'no-such-aws-credentials'));
    const before = logins();
    const run = await collect([
      '--url',
      sim.url,
      '--ca-file',
      caFile,
      ...login(),
      '--publish',
      '--region',
      'eu-west-1',
      '--profile',
      'no-such-profile',
    ]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.lastLine()).toMatch(
      /^error: --publish found no AWS credentials for --profile no-such-profile \(.+\): check that profile in ~\/\.aws\/config/,
    );
    expect(logins()).toBe(before);
  });
});

describe('npm run collect --help', () => {
  it('shows three worked examples and the exit codes', async () => {
    const run = await collect(['--help'], {});
    expect(run.code).toBe(EXIT.ok);
    const help = run.out.join('\n');
    const examples = help.slice(help.indexOf('Examples:'), help.indexOf('Exit codes:'));
    expect(examples.match(/^ {2}npm run collect -- /gm)).toHaveLength(3);
    expect(examples).toContain('--ca-file');
    expect(examples).toContain('--server-name');
    expect(examples).toContain('--publish --region eu-west-1 --profile monitoring');
    for (const [code, meaning] of [
      [0, 'every sample was collected'],
      [1, 'the appliance could not be collected'],
      [2, 'bad usage or configuration'],
      [3, 'publishing to CloudWatch failed'],
    ] as const) {
      expect(help).toMatch(new RegExp(`^ {2}${code} {2}${meaning}`, 'm'));
    }
  });
});

describeWithMoto('npm run collect --publish', () => {
  it('publishes with --region and says how much it published', async () => {
    const namespace = uniqueName('Collect/Test');
    const start = new Date(Date.now() - 120_000);
    const run = await collect([
      '--url',
      sim.url,
      '--ca-file',
      caFile,
      ...login(),
      '--samples',
      '2',
      '--interval',
      '1',
      '--publish',
      '--region',
      'us-east-1',
      '--namespace',
      namespace,
    ]);
    expect(run.code, run.err.join('\n')).toBe(EXIT.ok);
    expect(run.lastLine()).toMatch(
      new RegExp(`^published \\d+ datapoints to ${namespace.replace('/', '\\/')} in \\d+ PutMetricData calls?\\.$`),
    );
    expect(await readMetricSum(namespace, 'CollectionSuccess', '127.0.0.1', start, new Date(Date.now() + 120_000))).toBe(2);
  });

  it('exit 3 when CloudWatch cannot be reached, and the last line says where to look (endpoint, network), not credentials', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', `http://127.0.0.1:${await closedPort()}`);
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    const run = await collect([
      '--url',
      sim.url,
      '--ca-file',
      caFile,
      ...login(),
      '--samples',
      '2',
      '--interval',
      '1',
      '--publish',
      '--region',
      'us-east-1',
    ]);
    expect(run.code, [...run.out, ...run.err].join('\n')).toBe(EXIT.publishFailed);
    expect(run.lastLine()).toMatch(
      /^error: CloudWatch could not be reached: .*; check the endpoint \(--region, and AWS_ENDPOINT_URL if set: is the URL and port right\?\)/,
    );
    expect(run.lastLine()).not.toContain('credentials');
    // The first sample's failure ends the run: no wait for a second.
    expect(run.err.join('\n')).not.toContain('waiting');
  });
});
