/**
 * Appliance credentials from AWS Secrets Manager, cached for a few minutes per warm container.
 *
 * The secret is a JSON object: {"username": "...", "password": "...", "caCertificate"?: "PEM"}.
 * No message built here ever contains the secret's content: JSON.parse errors quote the input, so they are
 * neither included nor attached as a cause.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { pemBundleProblem } from '../config/pem.js';
import type { ApplianceCredentials, CredentialSource } from '../core/ports.js';
import { isDeadlineAbort, untilAborted } from '../deadline.js';
import { CollectorError } from '../errors.js';
import { unredactablePassword } from '../logger.js';
import { createSecretsManagerClient } from './clients.js';

/** Five minutes, as AWS's own Parameters and Secrets extension: a rotated password is picked up soon enough. */
export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;

export interface SecretsManagerCredentialSourceOptions {
  readonly client?: SecretsManagerClient;
  /** How long a read secret is reused (default 5 minutes). 0 disables caching, but not sharing of in-flight reads. */
  readonly ttlMs?: number;
  /** Epoch milliseconds; injected by tests. */
  readonly now?: () => number;
}

interface CacheEntry {
  readonly credentials: Promise<ApplianceCredentials>;
  /** Undefined while the read is in flight. */
  expiresAt?: number;
}

export class SecretsManagerCredentialSource implements CredentialSource {
  private readonly client: SecretsManagerClient;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(options: SecretsManagerCredentialSourceOptions = {}) {
    this.client = options.client ?? createSecretsManagerClient();
    this.ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
    this.now = options.now ?? Date.now;
    if (!(this.ttlMs >= 0)) throw new RangeError(`ttlMs must be a non-negative number, got ${this.ttlMs}`);
  }

  /**
   * `refresh: true` skips a cached value and replaces it with a fresh read. A read already in flight is shared
   * even then: it started after the cached value was handed out, so it is as fresh as a new one.
   */
  getCredentials(secretId: string, options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<ApplianceCredentials> {
    return untilAborted(this.shared(secretId, options), options.signal).catch((error: unknown) => {
      if (isDeadlineAbort(error, options.signal)) throw timedOut(secretId, error);
      throw error;
    });
  }

  /** The cached or in-flight read of `secretId`, or a new one (which ends at `signal`, if it aborts first). */
  private shared(secretId: string, options: { refresh?: boolean; signal?: AbortSignal }): Promise<ApplianceCredentials> {
    const cached = this.cache.get(secretId);
    if (cached !== undefined) {
      if (cached.expiresAt === undefined) return cached.credentials;
      if (!options.refresh && this.now() < cached.expiresAt) return cached.credentials;
    }
    const entry: CacheEntry = { credentials: this.read(secretId, options.signal) };
    this.cache.set(secretId, entry);
    entry.credentials.then(
      () => {
        if (this.cache.get(secretId) === entry) entry.expiresAt = this.now() + this.ttlMs;
      },
      () => {
        // Failed reads are not cached: the next call asks Secrets Manager again.
        if (this.cache.get(secretId) === entry) this.cache.delete(secretId);
      },
    );
    return entry.credentials;
  }

  private async read(secretId: string, signal: AbortSignal | undefined): Promise<ApplianceCredentials> {
    let secretString: string | undefined;
    let versionId: string | undefined;
    try {
      const response = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: signal });
      if (response.SecretString === undefined) {
        throw new CollectorError(
          'secret',
          response.SecretBinary !== undefined
            ? `secret ${secretId} holds binary data (SecretBinary); store the credentials as a JSON string {"username": ..., "password": ...}`
            : `secret ${secretId} has no value`,
        );
      }
      secretString = response.SecretString;
      versionId = response.VersionId;
    } catch (error) {
      if (error instanceof CollectorError) throw error;
      throw isDeadlineAbort(error, signal) ? timedOut(secretId, error) : readFailure(secretId, error);
    }
    const credentials = parseCredentials(secretId, secretString);
    // The version keys the rejected-credentials backoff: a new version (the secret was updated) is tried at once.
    return versionId === undefined ? credentials : { ...credentials, versionId };
  }
}

function timedOut(secretId: string, cause: unknown): CollectorError {
  return new CollectorError(
    'timeout',
    `reading secret ${secretId} from Secrets Manager did not finish within the appliance's share of the run's time`,
    {
      cause,
    },
  );
}

function readFailure(secretId: string, error: unknown): CollectorError {
  const name = error instanceof Error ? error.name : 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  switch (name) {
    case 'ResourceNotFoundException':
      return new CollectorError('secret', `secret ${secretId} was not found, or has no current value (ResourceNotFoundException)`, {
        cause: error,
      });
    case 'AccessDeniedException':
      return new CollectorError(
        'secret',
        `access to secret ${secretId} was denied (AccessDeniedException): the function's role needs secretsmanager:GetSecretValue on it, and kms:Decrypt when it is encrypted with a customer managed key`,
        { cause: error },
      );
    case 'DecryptionFailure':
      return new CollectorError(
        'secret',
        `secret ${secretId} could not be decrypted with its KMS key (DecryptionFailure): check that the key is enabled and that its policy lets the function's role use kms:Decrypt`,
        { cause: error },
      );
    default:
      return new CollectorError('secret', `reading secret ${secretId} failed: ${name}: ${detail}`, { cause: error });
  }
}

/** Validates the secret's JSON. Messages name the offending key, never a value. */
export function parseCredentials(secretId: string, secretString: string): ApplianceCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new CollectorError('secret', `secret ${secretId} is not valid JSON; expected {"username": ..., "password": ...}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CollectorError('secret', `secret ${secretId} is not a JSON object; expected {"username": ..., "password": ...}`);
  }
  const fields = parsed as Record<string, unknown>;
  const username = requiredString(secretId, fields, 'username');
  const password = requiredString(secretId, fields, 'password');
  if (password.trim() === '') throw new CollectorError('secret', `secret ${secretId}: "password" is only whitespace`);
  // A password redaction cannot hide without rewriting the collector's own text is refused here, before any use.
  const unredactable = unredactablePassword(password);
  if (unredactable !== undefined)
    throw new CollectorError('secret', `secret ${secretId}: "password" ${unredactable}; the collector refuses it`);
  const caCertificate = fields['caCertificate'];
  if (caCertificate === undefined || caCertificate === null) return { username, password };
  if (typeof caCertificate !== 'string') {
    throw new CollectorError(
      'secret',
      `secret ${secretId}: "caCertificate" is not a PEM certificate bundle (a string of -----BEGIN CERTIFICATE----- blocks)`,
    );
  }
  const problem = pemBundleProblem(caCertificate);
  if (problem !== undefined) throw new CollectorError('secret', `secret ${secretId}: "caCertificate" ${problem}`);
  return { username, password, caCertificate };
}

function requiredString(secretId: string, fields: Record<string, unknown>, key: 'username' | 'password'): string {
  const value = fields[key];
  if (value === undefined || value === null) throw new CollectorError('secret', `secret ${secretId} has no "${key}"`);
  if (typeof value !== 'string') throw new CollectorError('secret', `secret ${secretId}: "${key}" is not a string`);
  if (value.length === 0) throw new CollectorError('secret', `secret ${secretId}: "${key}" is empty`);
  return value;
}
