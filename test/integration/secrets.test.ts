import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSecretsManagerClient } from '../../lambda/aws/clients.js';
import { DEFAULT_SECRET_TTL_MS, SecretsManagerCredentialSource } from '../../lambda/aws/secrets.js';
import { CollectorError } from '../../lambda/errors.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { describeWithMoto } from '../support/moto.js';
import { createEmptySecret, createSecret, scheduleSecretDeletion, uniqueName, updateSecret } from '../support/moto-aws.js';

/** A Secrets Manager client against moto that counts GetSecretValue calls. */
function countingClient(): { client: SecretsManagerClient; calls: () => number } {
  const client = createSecretsManagerClient();
  let calls = 0;
  client.middlewareStack.add(
    (next) => (args) => {
      calls++;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { client, calls: () => calls };
}

function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

function password(): string {
  return `pw-${randomUUID()}`;
}

/** Rejects with a 'secret' CollectorError that names the secret and contains none of `secretContent`. */
async function expectSecretError(promise: Promise<unknown>, secretId: string, secretContent: readonly string[], pattern: RegExp) {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(CollectorError);
  const collectorError = error as CollectorError;
  expect(collectorError.errorClass).toBe('secret');
  expect(collectorError.message).toContain(secretId);
  expect(collectorError.message).toMatch(pattern);
  // The id itself is allowed (and random): take it out before looking for content.
  const everything = [collectorError.message, collectorError.stack ?? '', describeCauses(collectorError.cause)]
    .join('\n')
    .replaceAll(secretId, '<secret id>');
  for (const content of secretContent) expect(everything).not.toContain(content);
  return collectorError;
}

function describeCauses(cause: unknown): string {
  if (cause === undefined) return '';
  if (cause instanceof Error) return `${cause.message}\n${cause.stack ?? ''}\n${JSON.stringify(cause)}\n${describeCauses(cause.cause)}`;
  return String(cause);
}

describeWithMoto('SecretsManagerCredentialSource against moto', () => {
  let caCertificate: string;
  beforeAll(async () => {
    caCertificate = (await generate([{ name: 'commonName', value: 'appliance test CA' }])).cert;
  });

  describe('reading', () => {
    it('returns the username and password of a JSON secret, by name and by ARN', async () => {
      const name = uniqueName('ns-credentials');
      const secretPassword = password();
      const arn = await createSecret(name, JSON.stringify({ username: 'nsroot-monitor', password: secretPassword }));
      const source = new SecretsManagerCredentialSource({ client: createSecretsManagerClient() });

      const version = expect.stringMatching(/^[\w-]{8,}$/);
      expect(await source.getCredentials(name)).toEqual({ username: 'nsroot-monitor', password: secretPassword, versionId: version });
      expect(await source.getCredentials(arn)).toEqual({ username: 'nsroot-monitor', password: secretPassword, versionId: version });
    });

    it('returns the secret version (VersionId), which changes when the secret is updated: the credential backoff is keyed by it', async () => {
      const name = uniqueName('ns-versioned');
      await createSecret(name, JSON.stringify({ username: 'monitor', password: password() }));
      const source = new SecretsManagerCredentialSource({ client: createSecretsManagerClient(), ttlMs: 0 });
      const first = (await source.getCredentials(name)).versionId;
      expect(first).toBeDefined();
      expect((await source.getCredentials(name)).versionId).toBe(first);
      await updateSecret(name, JSON.stringify({ username: 'monitor', password: password() }));
      const second = (await source.getCredentials(name, { refresh: true })).versionId;
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
    });

    it('returns the CA certificate when the secret has one', async () => {
      const name = uniqueName('ns-credentials-ca');
      await createSecret(name, JSON.stringify({ username: 'monitor', password: password(), caCertificate }));
      const source = new SecretsManagerCredentialSource({ client: createSecretsManagerClient() });

      const credentials = await source.getCredentials(name);

      expect(credentials.caCertificate).toBe(caCertificate);
    });

    it('accepts a bundle of several certificates', async () => {
      const other = (await generate([{ name: 'commonName', value: 'second CA' }])).cert;
      const name = uniqueName('ns-credentials-bundle');
      await createSecret(name, JSON.stringify({ username: 'monitor', password: password(), caCertificate: `${caCertificate}\n${other}` }));
      const source = new SecretsManagerCredentialSource({ client: createSecretsManagerClient() });

      expect((await source.getCredentials(name)).caCertificate).toBe(`${caCertificate}\n${other}`);
    });

    it('ignores a null caCertificate and unknown keys', async () => {
      const name = uniqueName('ns-credentials-extra');
      const secretPassword = password();
      await createSecret(name, JSON.stringify({ username: 'monitor', password: secretPassword, caCertificate: null, note: 'x' }));
      const source = new SecretsManagerCredentialSource({ client: createSecretsManagerClient() });

      expect(await source.getCredentials(name)).toEqual({ username: 'monitor', password: secretPassword, versionId: expect.any(String) });
    });
  });

  describe('caching', () => {
    it('serves the cached value until the TTL passes, then reads the secret again', async () => {
      const name = uniqueName('cached');
      const first = password();
      const second = password();
      await createSecret(name, JSON.stringify({ username: 'monitor', password: first }));
      const { client, calls } = countingClient();
      const clock = manualClock();
      const source = new SecretsManagerCredentialSource({ client, now: clock.now });

      expect((await source.getCredentials(name)).password).toBe(first);
      await updateSecret(name, JSON.stringify({ username: 'monitor', password: second }));
      clock.advance(DEFAULT_SECRET_TTL_MS - 1);
      expect((await source.getCredentials(name)).password).toBe(first);
      expect(calls()).toBe(1);

      clock.advance(1);
      expect((await source.getCredentials(name)).password).toBe(second);
      expect(calls()).toBe(2);
    });

    it('uses a TTL of 5 minutes by default', () => {
      expect(DEFAULT_SECRET_TTL_MS).toBe(300_000);
    });

    it('honours a custom TTL', async () => {
      const name = uniqueName('custom-ttl');
      await createSecret(name, JSON.stringify({ username: 'monitor', password: password() }));
      const { client, calls } = countingClient();
      const clock = manualClock();
      const source = new SecretsManagerCredentialSource({ client, now: clock.now, ttlMs: 1_000 });

      await source.getCredentials(name);
      clock.advance(999);
      await source.getCredentials(name);
      expect(calls()).toBe(1);
      clock.advance(1);
      await source.getCredentials(name);
      expect(calls()).toBe(2);
    });

    it('reads again on refresh, and caches the refreshed value', async () => {
      const name = uniqueName('rotated');
      const before = password();
      const after = password();
      await createSecret(name, JSON.stringify({ username: 'monitor', password: before }));
      const { client, calls } = countingClient();
      const source = new SecretsManagerCredentialSource({ client, now: manualClock().now });

      expect((await source.getCredentials(name)).password).toBe(before);
      await updateSecret(name, JSON.stringify({ username: 'monitor', password: after }));
      expect((await source.getCredentials(name)).password).toBe(before);
      expect((await source.getCredentials(name, { refresh: true })).password).toBe(after);
      expect((await source.getCredentials(name)).password).toBe(after);
      expect(calls()).toBe(2);
    });

    it('shares one call between concurrent requests for the same secret, refreshes included', async () => {
      const name = uniqueName('concurrent');
      await createSecret(name, JSON.stringify({ username: 'monitor', password: password() }));
      const { client, calls } = countingClient();
      const source = new SecretsManagerCredentialSource({ client, now: manualClock().now });

      const results = await Promise.all([
        source.getCredentials(name),
        source.getCredentials(name),
        source.getCredentials(name, { refresh: true }),
      ]);

      expect(calls()).toBe(1);
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    });

    it('keeps one cache entry per secret', async () => {
      const a = uniqueName('secret-a');
      const b = uniqueName('secret-b');
      await createSecret(a, JSON.stringify({ username: 'user-a', password: password() }));
      await createSecret(b, JSON.stringify({ username: 'user-b', password: password() }));
      const { client, calls } = countingClient();
      const source = new SecretsManagerCredentialSource({ client, now: manualClock().now });

      expect((await source.getCredentials(a)).username).toBe('user-a');
      expect((await source.getCredentials(b)).username).toBe('user-b');
      expect((await source.getCredentials(a)).username).toBe('user-a');
      expect(calls()).toBe(2);
    });

    it('does not cache a failed read', async () => {
      const name = uniqueName('appears-later');
      const { client, calls } = countingClient();
      const source = new SecretsManagerCredentialSource({ client, now: manualClock().now });

      await expect(source.getCredentials(name)).rejects.toThrow(CollectorError);
      const secretPassword = password();
      await createSecret(name, JSON.stringify({ username: 'monitor', password: secretPassword }));

      expect((await source.getCredentials(name)).password).toBe(secretPassword);
      expect(calls()).toBe(2);
    });

    it('does not cache a secret that failed validation', async () => {
      const name = uniqueName('fixed-later');
      await createSecret(name, JSON.stringify({ username: 'monitor' }));
      const { client, calls } = countingClient();
      const source = new SecretsManagerCredentialSource({ client, now: manualClock().now });

      await expect(source.getCredentials(name)).rejects.toThrow(/no "password"/);
      await updateSecret(name, JSON.stringify({ username: 'monitor', password: 'now-set-4711' }));

      expect((await source.getCredentials(name)).password).toBe('now-set-4711');
      expect(calls()).toBe(2);
    });
  });

  describe('errors name the secret and never its content', () => {
    const source = () => new SecretsManagerCredentialSource({ client: createSecretsManagerClient() });

    it('secret not found', async () => {
      const name = uniqueName('missing');
      await expectSecretError(source().getCredentials(name), name, [], /not found.*ResourceNotFoundException/);
    });

    it('secret without a current value', async () => {
      const name = uniqueName('no-value');
      await createEmptySecret(name);
      await expectSecretError(source().getCredentials(name), name, [], /ResourceNotFoundException/);
    });

    it('secret scheduled for deletion', async () => {
      const name = uniqueName('deleted');
      const secretPassword = password();
      await createSecret(name, JSON.stringify({ username: 'monitor', password: secretPassword }));
      await scheduleSecretDeletion(name);
      await expectSecretError(source().getCredentials(name), name, [secretPassword], /InvalidRequestException/);
    });

    it('binary secret', async () => {
      const name = uniqueName('binary');
      await createSecret(name, new TextEncoder().encode('{"username":"u","password":"binary-pw-4711"}'));
      await expectSecretError(source().getCredentials(name), name, ['binary-pw-4711'], /binary data \(SecretBinary\)/);
    });

    it('not JSON', async () => {
      const name = uniqueName('not-json');
      await createSecret(name, 'username=monitor password=hunter2-plain-4711');
      await expectSecretError(source().getCredentials(name), name, ['hunter2-plain-4711', 'username=monitor'], /not valid JSON/);
    });

    it('JSON that is cut short', async () => {
      const name = uniqueName('truncated');
      await createSecret(name, '{"username":"monitor","password":"truncated-pw-4711"');
      await expectSecretError(source().getCredentials(name), name, ['truncated-pw-4711'], /not valid JSON/);
    });

    for (const [label, value] of [
      ['an array', '["monitor","array-pw-4711"]'],
      ['a string', '"string-pw-4711"'],
      ['a number', '4711'],
      ['null', 'null'],
    ] as const) {
      it(`JSON that is ${label}, not an object`, async () => {
        const name = uniqueName('not-object');
        await createSecret(name, value);
        await expectSecretError(source().getCredentials(name), name, ['array-pw-4711', 'string-pw-4711', '4711'], /not a JSON object/);
      });
    }

    for (const [label, content, pattern] of [
      ['missing username', { password: 'lonely-pw-4711' }, /no "username"/],
      ['empty username', { username: '', password: 'lonely-pw-4711' }, /"username" is empty/],
      ['non-string username', { username: 42, password: 'lonely-pw-4711' }, /"username" is not a string/],
      ['missing password', { username: 'monitor-4711' }, /no "password"/],
      ['empty password', { username: 'monitor-4711', password: '' }, /"password" is empty/],
      ['non-string password', { username: 'monitor-4711', password: 4711 }, /"password" is not a string/],
      ['null password', { username: 'monitor-4711', password: null }, /no "password"/],
    ] as const) {
      it(label, async () => {
        const name = uniqueName('incomplete');
        await createSecret(name, JSON.stringify(content));
        await expectSecretError(source().getCredentials(name), name, ['lonely-pw-4711', 'monitor-4711', '4711'], pattern);
      });
    }

    for (const [label, password, pattern] of [
      ['a password that is a word of the collector (appliance)', 'appliance', /shorter than 12 characters/],
      ['a password holding a word of its messages (collected)', 'Q7-collected-4711', /collector's own message text/],
      ['a password holding an errorClass value', 'bad-credentials-4711', /collector's own message text/],
      ['a password too short to redact safely', 'Kx7-moon-41', /shorter than 12 characters/],
    ] as const) {
      it(`refuses ${label}, naming the secret id and never the password`, async () => {
        const name = uniqueName('unredactable');
        await createSecret(name, JSON.stringify({ username: 'monitor-4711', password }));
        await expectSecretError(source().getCredentials(name), name, [password], pattern);
      });
    }

    it('reads a rotated secret whose new password is refused as refused, and a fixed one again', async () => {
      const name = uniqueName('rotated-unredactable');
      await createSecret(name, JSON.stringify({ username: 'monitor', password: 'Kx7-moon-4711-first' }));
      const reader = source();
      expect((await reader.getCredentials(name)).password).toBe('Kx7-moon-4711-first');
      await updateSecret(name, JSON.stringify({ username: 'monitor', password: 'datapoints-4711' }));
      await expectSecretError(reader.getCredentials(name, { refresh: true }), name, ['datapoints-4711'], /collector's own message text/);
      await updateSecret(name, JSON.stringify({ username: 'monitor', password: 'Kx7-tide-0815-second' }));
      expect((await reader.getCredentials(name, { refresh: true })).password).toBe('Kx7-tide-0815-second');
    });

    for (const [label, caValue] of [
      ['not a PEM', 'just some text'],
      ['a PEM block that is not a certificate', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n'],
      ['a number', 4711],
    ] as const) {
      it(`caCertificate that is ${label}`, async () => {
        const name = uniqueName('bad-ca');
        await createSecret(name, JSON.stringify({ username: 'monitor', password: 'ca-Kx7-pw-4711', caCertificate: caValue }));
        await expectSecretError(
          source().getCredentials(name),
          name,
          ['ca-Kx7-pw-4711', 'just some text', 'bm90IGEgY2VydGlmaWNhdGU='],
          /"caCertificate" is not a PEM certificate bundle/,
        );
      });
    }

    it('a private key instead of a certificate', async () => {
      const pems = await generate([{ name: 'commonName', value: 'wrong' }]);
      const name = uniqueName('key-as-ca');
      await createSecret(name, JSON.stringify({ username: 'monitor', password: 'key-Kx7-pw-4711', caCertificate: pems.private }));
      const keyBody = pems.private.split('\n')[1]!;
      await expectSecretError(source().getCredentials(name), name, ['key-Kx7-pw-4711', keyBody], /not a PEM certificate bundle/);
    });
  });

  describe('deadlines', () => {
    it("gives up at the caller's deadline when Secrets Manager does not answer, naming the secret, and caches nothing", async () => {
      const hang = await startFaultProxy(process.env['AWS_ENDPOINT_URL']!, () => ({ kind: 'hang' }));
      try {
        const source = new SecretsManagerCredentialSource({ client: createSecretsManagerClient({ endpoint: hang.endpoint }) });
        const started = Date.now();
        const error = await source.getCredentials('netscaler/adc-hung', { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(error).toBeInstanceOf(CollectorError);
        expect(error).toMatchObject({ errorClass: 'timeout', message: expect.stringContaining('secret netscaler/adc-hung') });
        expect(hang.operations).toEqual(['GetSecretValue']);
      } finally {
        await hang.stop();
      }
    });

    it('lets each caller of a shared read stop waiting at its own deadline while the read goes on for the others', async () => {
      const name = uniqueName('ns-shared');
      const secretPassword = password();
      await createSecret(name, JSON.stringify({ username: 'monitor', password: secretPassword }));
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow = await startFaultProxy(process.env['AWS_ENDPOINT_URL']!, () => undefined, { before: () => gate });
      try {
        const source = new SecretsManagerCredentialSource({ client: createSecretsManagerClient({ endpoint: slow.endpoint }) });
        const patient = source.getCredentials(name, { signal: AbortSignal.timeout(5_000) });
        const hasty = source.getCredentials(name, { signal: AbortSignal.timeout(100) });
        await expect(hasty).rejects.toMatchObject({ errorClass: 'timeout' });
        release();
        expect(await patient).toEqual({ username: 'monitor', password: secretPassword, versionId: expect.any(String) });
        expect(slow.operations).toEqual(['GetSecretValue']);
      } finally {
        release();
        await slow.stop();
      }
    });
  });
});

// moto cannot deny access nor fail a decryption: these two answers are simulated.
describe('SecretsManagerCredentialSource errors moto cannot produce', () => {
  function failingWith(name: string, message: string): SecretsManagerClient {
    const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const error = Object.assign(new Error(message), { name, $fault: 'client', $metadata: {} });
    mockClient(client).on(GetSecretValueCommand).rejects(error);
    return client;
  }

  it('access denied', async () => {
    const secretId = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ns-01-AbCdEf';
    const source = new SecretsManagerCredentialSource({
      client: failingWith('AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/collector is not authorized'),
    });
    const error = await expectSecretError(source.getCredentials(secretId), secretId, [], /denied.*secretsmanager:GetSecretValue/);
    expect(error.message).toContain('kms:Decrypt');
  });

  it('decryption failure', async () => {
    const source = new SecretsManagerCredentialSource({
      client: failingWith('DecryptionFailure', "Secrets Manager can't decrypt the protected secret text using the provided KMS key."),
    });
    await expectSecretError(source.getCredentials('ns-02'), 'ns-02', [], /could not be decrypted.*DecryptionFailure/);
  });

  it('any other service error keeps its name and message', async () => {
    const source = new SecretsManagerCredentialSource({ client: failingWith('InternalServiceError', 'try again') });
    await expectSecretError(source.getCredentials('ns-03'), 'ns-03', [], /reading secret ns-03 failed: InternalServiceError: try again/);
  });
});
