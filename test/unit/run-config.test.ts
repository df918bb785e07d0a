import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import { ConfigurationError, parseAppliances } from '../../lambda/config/appliance.js';
import { createRunConfigResolver, RESOLVED_CONFIGS_KEPT, resolveRunConfig } from '../../lambda/config/run-config.js';

const appliance = { name: 'adc-1', url: 'https://adc-1.example.com', secretId: 'netscaler/adc-1' };
const env = { STATE_TABLE_NAME: 'state' };

function configError(event: unknown, environment: NodeJS.ProcessEnv): string {
  try {
    resolveRunConfig(event, environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('resolving the run configuration (handler contract)', () => {
  it('takes appliances from the event, with defaults for everything optional', () => {
    const config = resolveRunConfig({ appliances: [appliance] }, env);
    expect(config.appliances).toEqual([appliance]);
    expect(config.namespace).toBe('NetScaler/MPTCP');
    expect(config.concurrency).toBe(40);
    expect(config.storageResolution).toBe(60);
    expect(config.maxSampleAgeMs).toBe(900_000);
    expect(resolveRunConfig({ appliances: [appliance] }, { ...env, MAX_SAMPLE_AGE_SECONDS: '5400' }).maxSampleAgeMs).toBe(5_400_000);
    expect(config.selection).toEqual(resolveSelection('default'));
  });

  it('falls back to APPLIANCES when the event has none', () => {
    const config = resolveRunConfig(
      {},
      { ...env, APPLIANCES: JSON.stringify([appliance]), COUNTERS: 'everything', CONCURRENCY: '3', METRIC_NAMESPACE: 'Team/MPTCP' },
    );
    expect(config.appliances.map((a) => a.name)).toEqual(['adc-1']);
    expect(config.selection).toHaveLength(81);
    expect([config.concurrency, config.namespace]).toEqual([3, 'Team/MPTCP']);
    expect(resolveRunConfig(null, { ...env, APPLIANCES: JSON.stringify([appliance]) }).appliances).toHaveLength(1);
  });

  it('names the appliance and the field that is wrong', () => {
    expect(configError({ appliances: [appliance, { ...appliance, name: 'adc-2', url: 'ftp://x' }] }, env)).toBe(
      'invalid configuration: event.appliances[1] (adc-2).url must be an absolute https:// URL of the appliance (e.g. https://adc.example.com), without path or query',
    );
    expect(configError({ appliances: [{ ...appliance, secretId: '' }] }, env)).toContain(
      'event.appliances[0] (adc-1).secretId must not be empty: a Secrets Manager secret name or ARN',
    );
    expect(configError({ appliances: [{ ...appliance, haMode: 'both' }] }, env)).toContain('appliances[0] (adc-1).haMode');
    expect(configError({ appliances: [appliance, appliance] }, env)).toContain(
      'appliances[1] (adc-1).name "adc-1" is already used by appliances[0]',
    );
    expect(configError({ appliances: [{ ...appliance, url: 'http://adc-1' }] }, env)).toContain('is plain http://');
    expect(configError({ appliances: [{ ...appliance, pasword: 'x' }] }, env)).toContain('appliances[0] (adc-1)');
    expect(configError({ appliances: [] }, env)).toContain('must list at least one appliance');
  });

  it('accepts plain http only with the explicit opt-in', () => {
    expect(resolveRunConfig({ appliances: [{ ...appliance, url: 'http://adc-1', allowPlainHttp: true }] }, env).appliances[0]?.url).toBe(
      'http://adc-1',
    );
  });

  it('explains each bad environment variable', () => {
    const event = { appliances: [appliance] };
    expect(configError(event, {})).toBe(
      'invalid configuration: STATE_TABLE_NAME is not set: the name of the DynamoDB table that keeps the previous sample per appliance',
    );
    expect(configError({}, env)).toContain('the event has no "appliances" and APPLIANCES is not set');
    expect(configError({}, { ...env, APPLIANCES: '[{' })).toBe(
      'invalid configuration: APPLIANCES is not valid JSON: line 1, column 3: expected a field name in double quotes, found the end of the text',
    );
    expect(configError(event, { ...env, COUNTERS: 'SessionsCreatd' })).toContain(
      'invalid configuration: COUNTERS names an unknown counter "SessionsCreatd"; did you mean "SessionsCreated"',
    );
    expect(configError(event, { ...env, CONCURRENCY: '0' })).toBe(
      'invalid configuration: CONCURRENCY must be a whole number from 1 to 100 (got 0)',
    );
    expect(configError(event, { ...env, MAX_SAMPLE_AGE_SECONDS: '10' })).toBe(
      'invalid configuration: MAX_SAMPLE_AGE_SECONDS must be a whole number of seconds from 60 to 259200 (got 10)',
    );
    expect(configError(event, { ...env, STORAGE_RESOLUTION: '5' })).toBe(
      'invalid configuration: STORAGE_RESOLUTION must be 60 or 1 (60: standard resolution, 1: high resolution) (got 5)',
    );
    expect(configError(event, { ...env, METRIC_NAMESPACE: 'AWS/Lambda' })).toContain('METRIC_NAMESPACE must not start with "AWS/"');
  });
});

describe('the event and APPLIANCES in plain words (issue 12)', () => {
  it('names a mistyped key, the JSON position, and every problem of the event and environment at once', () => {
    expect(configError({ appliances: [{ name: 'adc-1', url: 'https://adc-1', secretID: 's' }] }, env)).toBe(
      'invalid configuration: event.appliances[0] (adc-1) has unknown field "secretID"; did you mean "secretId" (required)? Allowed: name, url, secretId, caCertificate, tlsServerName, insecureSkipVerify, haMode, allowPlainHttp, sessionTimeoutSeconds, virtualServers',
    );
    expect(configError({}, { ...env, APPLIANCES: '[\n  {"name": "adc-1",}\n]' })).toBe(
      'invalid configuration: APPLIANCES is not valid JSON: line 2, column 20: expected a field name (no comma before "}"), found "}"',
    );
    const message = configError(
      { appliances: [{ ...appliance, url: 'ftp://x' }] },
      { STATE_TABLE_NAME: ' ', CONCURRENCY: 'ten', COUNTERS: 'Nope1,Nope2' },
    );
    expect(message.split('; ')).toEqual([
      'invalid configuration: event.appliances[0] (adc-1).url must be an absolute https:// URL of the appliance (e.g. https://adc.example.com), without path or query',
      'STATE_TABLE_NAME is not set: the name of the DynamoDB table that keeps the previous sample per appliance',
      expect.stringContaining('COUNTERS names an unknown counter "Nope1"'),
      expect.stringContaining('COUNTERS names an unknown counter "Nope2"'),
      'CONCURRENCY must be a whole number from 1 to 100 (got a string)',
    ]);
    const many = Array.from({ length: 9 }, (_, i) => ({ name: `adc-${i}`, url: 'https://x', secretId: '' }));
    expect(configError({ appliances: many }, env)).toMatch(/; and 4 more problems$/);
  });
});

describe('appliance URL and CA certificate checks', () => {
  function appliancesError(input: unknown): string {
    try {
      parseAppliances(input, 'event.appliances');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return (error as Error).message;
    }
    throw new Error('expected a configuration error');
  }

  it.each([
    'https://:s3cret-Pa55@adc-1.example.com',
    'https://monitor:s3cret-Pa55@adc-1.example.com',
    'https://monitor@adc-1.example.com',
    'http://:s3cret-Pa55@adc-1:8080',
  ])('rejects credentials in the URL %s without echoing them or the URL', (url) => {
    const expected =
      'invalid configuration: event.appliances[0] (adc-1).url must not contain a username or password (user:password@): put the credentials into the secret named by secretId';
    for (const message of [
      appliancesError([{ ...appliance, url, allowPlainHttp: true }]),
      configError({ appliances: [{ ...appliance, url, allowPlainHttp: true }] }, env),
    ]) {
      expect(message).toBe(expected);
      for (const fragment of ['s3cret', 'Pa55', '@adc', 'example.com', url]) expect(message).not.toContain(fragment);
    }
  });

  describe('inline caCertificate', () => {
    let certificate: string;
    beforeAll(async () => {
      certificate = (await generate([{ name: 'commonName', value: 'run-config test CA' }])).cert;
    });
    const notACertificate = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGUgYXQgYWxs\n-----END CERTIFICATE-----\n';
    const caError = (caCertificate: string) => appliancesError([{ ...appliance, caCertificate }]);

    it('accepts one certificate or a bundle of them', () => {
      expect(parseAppliances([{ ...appliance, caCertificate: certificate }], 'event')[0]?.caCertificate).toBe(certificate);
      expect(parseAppliances([{ ...appliance, caCertificate: `${certificate}\r\n${certificate}` }], 'event')).toHaveLength(1);
    });

    it('names the block that is not a certificate, without echoing the PEM', () => {
      const message = caError(`${certificate}${notACertificate}${certificate}`);
      expect(message).toBe(
        'invalid configuration: event.appliances[0] (adc-1).caCertificate is not a PEM certificate bundle: block 2 of 3 is not a valid X.509 certificate',
      );
      const body = certificate.split('\n')[1]!;
      for (const fragment of [body.slice(0, 16), 'bm90IGEgY2VydGlm']) expect(message).not.toContain(fragment);
    });

    it('rejects text without a certificate block, a block without its END line, and a private key', async () => {
      expect(caError('just a CA name')).toContain(
        'appliances[0] (adc-1).caCertificate is not a PEM certificate bundle (no -----BEGIN CERTIFICATE----- block)',
      );
      expect(caError(certificate.replace('-----END CERTIFICATE-----', '') + certificate)).toContain(
        'block 1 of 2 has no -----END CERTIFICATE----- line',
      );
      expect(caError(certificate.slice(0, -40))).toContain('block 1 of 1 has no -----END CERTIFICATE----- line');
      const key = (await generate([{ name: 'commonName', value: 'key' }])).private;
      const message = caError(key);
      expect(message).toContain('(no -----BEGIN CERTIFICATE----- block)');
      expect(message).not.toContain(key.split('\n')[1]!.slice(0, 16));
    });
  });
});

describe("a warm container's resolved configurations", () => {
  const fromEnv = { ...env, APPLIANCES: JSON.stringify([appliance]) };

  it('gives a run with the same event appliances and variables the configuration resolved before', () => {
    const resolve = createRunConfigResolver();
    const first = resolve({ appliances: [appliance], time: '2026-12-07T10:00:00Z' }, env);
    expect(resolve({ appliances: [{ ...appliance }], time: '2026-12-07T10:01:00Z' }, { ...env })).toBe(first);
    expect(resolve({}, fromEnv)).not.toBe(first);
    expect(resolve(null, fromEnv)).toBe(resolve({}, fromEnv));
  });

  it('resolves again when a variable or an appliance changes', () => {
    const resolve = createRunConfigResolver();
    const first = resolve({ appliances: [appliance] }, env);
    expect(resolve({ appliances: [appliance] }, { ...env, CONCURRENCY: '3' }).concurrency).toBe(3);
    expect(resolve({ appliances: [{ ...appliance, name: 'adc-2' }] }, env).appliances[0]?.name).toBe('adc-2');
    expect(resolve({ appliances: [appliance] }, env)).toBe(first);
  });

  it('keeps no invalid configuration: every run with one is refused, naming the problem', () => {
    const resolve = createRunConfigResolver();
    const bad = { ...env, CONCURRENCY: 'many' };
    for (let run = 0; run < 2; run++) {
      expect(() => resolve({ appliances: [appliance] }, bad)).toThrow(/CONCURRENCY/);
    }
    // "appliances": null is not a missing list, even after a run without one was resolved from APPLIANCES.
    resolve({}, fromEnv);
    expect(() => resolve({ appliances: null }, fromEnv)).toThrow(ConfigurationError);
  });

  it('resolves every time an event that is not plain JSON', () => {
    const resolve = createRunConfigResolver();
    const withUndefined = { appliances: [{ ...appliance, tlsServerName: undefined }] };
    expect(resolve(withUndefined, env)).not.toBe(resolve(withUndefined, env));
  });

  it(`keeps at most ${RESOLVED_CONFIGS_KEPT}, dropping the oldest`, () => {
    const resolve = createRunConfigResolver();
    const eventOf = (i: number) => ({ appliances: [{ ...appliance, name: `adc-${i}` }] });
    const first = resolve(eventOf(0), env);
    expect(resolve(eventOf(0), env)).toBe(first);
    for (let i = 1; i <= RESOLVED_CONFIGS_KEPT; i++) resolve(eventOf(i), env);
    expect(resolve(eventOf(0), env)).not.toBe(first);
    expect(resolve(eventOf(0), env)).toEqual(first);
  });
});
