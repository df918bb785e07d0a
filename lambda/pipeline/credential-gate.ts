/**
 * The rule that no run ever locks an account: once an appliance rejected a secret version's credentials, that
 * version is not used to log in again until the secret changes (a new version) or the backoff has passed
 * (core/credential-backoff.ts). The rejection lives in a CredentialRejectionStore (the state table in the
 * function), so cold starts obey it; this container's own memory of it stands in when the store cannot be read
 * or written, so a failing store never turns into a login with a rejected password.
 */
import { formatDuration, isBackingOff, nextRejection, sameCredentials } from '../core/credential-backoff.js';
import {
  type ApplianceCredentials,
  type CredentialRejection,
  type CredentialRejectionStore,
  type CredentialSource,
  UNVERSIONED_SECRET,
} from '../core/ports.js';
import { CollectorError, StateUnavailableError, toCollectorError } from '../errors.js';
import type { Logger, Redactor } from '../logger.js';
import { LOCKED_USER_REFUSAL } from '../nitro/classify.js';
import type { BeforeLogin } from '../nitro/client.js';

export function secretVersionOf(credentials: ApplianceCredentials): string {
  return credentials.versionId ?? UNVERSIONED_SECRET;
}

/** A rejection this container knows of, and whether the store holds it (its write may have failed). */
interface Remembered {
  readonly rejection: CredentialRejection;
  stored: boolean;
}

/**
 * What one container knows of credential rejections (part of its ContainerMemory): it outlives the invocation, so a
 * rejection whose write failed is still obeyed by this container's next run.
 */
export class CredentialMemory {
  /** The rejections seen, by appliance. */
  readonly rejections = new Map<string, Remembered>();
  /**
   * The secret version each appliance last accepted in a login of this container. When the state table cannot be
   * read, only that version (or a rejection this container remembers) lets the container log in.
   */
  readonly worked = new Map<string, string>();
  /** The rejection store of callers that have none (the local run, the collect command): it lives as long as this. */
  readonly fallbackStore = new InMemoryCredentialRejections();
}

export class CredentialGate {
  private readonly remembered: Map<string, Remembered>;
  private readonly workedVersions: Map<string, string>;
  /**
   * Set when the rejection store could not be read this run and this container's own record stood in: the run
   * reports it (StateUnavailable, and the run's one WARN line about the state table) instead of a line here.
   */
  unavailable: CollectorError | undefined;

  constructor(
    private readonly store: CredentialRejectionStore,
    memory: CredentialMemory,
    private readonly logger: Logger,
  ) {
    this.remembered = memory.rejections;
    this.workedVersions = memory.worked;
  }

  /**
   * The rejection kept for the appliance, if any (whatever its version and time). A rejection of this container's
   * that the store missed (its write failed) stands over an older stored one, or none, and is written again.
   * `secretVersion` is the version about to be used: when the store cannot be read, the container logs in only
   * with the version it last logged in with, or under a rejection it remembers itself.
   */
  async current(appliance: string, secretVersion: string, signal: AbortSignal): Promise<CredentialRejection | undefined> {
    const mine = this.remembered.get(appliance);
    let stored: CredentialRejection | undefined;
    try {
      stored = await this.store.get(appliance, { signal });
    } catch (error) {
      const failure = toCollectorError(error, appliance);
      // A container that has not logged in with this version knows nothing of it: a rejection it cannot read (by
      // another container) may be in force. It does not log in (fails closed, lockout-safe): no gauges either.
      if (mine === undefined && this.workedVersions.get(appliance) !== secretVersion) {
        throw new StateUnavailableError(
          `${appliance}: the credential backoff could not be read from the state table, and this container has no record of secret version ${secretVersion} working yet: not logging in, so that a rejected password is never tried again (${failure.message})`,
          { appliance, cause: error },
        );
      }
      this.unavailable = failure;
      return mine?.rejection;
    }
    if (mine && !mine.stored && (stored === undefined || stored.rejectedAt < mine.rejection.rejectedAt)) {
      await this.write(appliance, mine, signal);
      return mine.rejection;
    }
    if (stored) this.remembered.set(appliance, { rejection: stored, stored: true });
    else this.remembered.delete(appliance);
    return stored;
  }

  /** Records that `credentials` were rejected at `now`; returns the rejection now in force. */
  async reject(
    appliance: string,
    credentials: ApplianceCredentials,
    previous: CredentialRejection | undefined,
    error: CollectorError,
    now: number,
    signal: AbortSignal,
  ): Promise<CredentialRejection> {
    const rejection = nextRejection(
      previous,
      {
        secretVersion: secretVersionOf(credentials),
        ...(error.nitroErrorCode !== undefined && { nitroErrorCode: error.nitroErrorCode }),
        locked: isLockedRefusal(error),
      },
      now,
    );
    const mine: Remembered = { rejection, stored: false };
    this.remembered.set(appliance, mine);
    if (this.workedVersions.get(appliance) === rejection.secretVersion) this.workedVersions.delete(appliance);
    await this.write(appliance, mine, signal);
    return rejection;
  }

  private async write(appliance: string, mine: Remembered, signal: AbortSignal): Promise<void> {
    try {
      await this.store.put(appliance, mine.rejection, { signal });
      mine.stored = true;
    } catch (failure) {
      this.logger.error(
        'the credential rejection could not be stored: only this container keeps the backoff (it writes it again on the next run; a cold start before then may try the rejected secret once more)',
        {
          appliance,
          errorClass: 'state-error',
          reason: toCollectorError(failure, appliance).message,
        },
      );
    }
  }

  /** The appliance accepted `secretVersion` in a login: this container may use it while the store cannot be read. */
  worked(appliance: string, secretVersion: string): void {
    this.workedVersions.set(appliance, secretVersion);
  }

  /** The appliance accepted credentials: forgets its rejection (logged, so the recovery shows in the log). */
  async accepted(appliance: string, previous: CredentialRejection, signal: AbortSignal): Promise<void> {
    this.remembered.delete(appliance);
    this.logger.info('the appliance accepted the credentials again; the credential backoff is over', {
      appliance,
      rejectedVersion: previous.secretVersion,
    });
    try {
      await this.store.clear(appliance, { signal });
    } catch (failure) {
      // Harmless: a stale rejection only matters for its own version, which was just accepted... unless rejected again.
      this.logger.warn('the credential rejection could not be cleared; it ends at its retry time', {
        appliance,
        errorClass: 'state-error',
        reason: toCollectorError(failure, appliance).message,
      });
    }
  }
}

/** The appliance refused the login because the user is locked (as nitro/classify.ts words it), not the password. */
export function isLockedRefusal(error: CollectorError): boolean {
  return error.message.includes(LOCKED_USER_REFUSAL);
}

/**
 * The error of a run that does not log in because of `rejection`, or of one whose login was just rejected. It leads
 * with what happens next (results keep only a message's first few hundred characters): when the next attempt is,
 * and that updating the secret makes the next run try at once.
 */
export function backingOffError(
  appliance: string,
  secretId: string,
  rejection: CredentialRejection,
  now: number,
  cause?: CollectorError,
): CollectorError {
  const what = rejection.locked
    ? 'refused the login: the user is LOCKED (on the appliance or in its directory)'
    : 'rejected the username or password';
  const retry = `${new Date(rejection.retryAt).toISOString()} (in ${formatDuration(Math.max(0, rejection.retryAt - now))})`;
  const fix = `or at once when secret ${secretId} is updated (a new version)`;
  const inARow = `${rejection.rejections} rejection${rejection.rejections === 1 ? '' : 's'} in a row`;
  const code = rejection.nitroErrorCode === undefined ? '' : `, NITRO errorcode ${rejection.nitroErrorCode}`;
  const message = cause
    ? `${appliance}: the appliance ${what}; not trying this secret version again before ${retry}, ${fix}, to avoid locking the account (${inARow}): ${cause.message}`
    : `${appliance}: not logging in before ${retry}, ${fix}: the appliance ${what} of version ${rejection.secretVersion} at ${new Date(rejection.rejectedAt).toISOString()}${code}; backing off after ${inARow}, to avoid locking the account`;
  return new CollectorError('bad-credentials', message, {
    appliance,
    ...(rejection.nitroErrorCode !== undefined && { nitroErrorCode: rejection.nitroErrorCode }),
  });
}

/** The rejection store of one process (the local run, the collect command, and callers that pass none). */
export class InMemoryCredentialRejections implements CredentialRejectionStore {
  private readonly rejections = new Map<string, CredentialRejection>();

  async get(appliance: string): Promise<CredentialRejection | undefined> {
    return this.rejections.get(appliance);
  }

  async put(appliance: string, rejection: CredentialRejection): Promise<void> {
    this.rejections.set(appliance, rejection);
  }

  async clear(appliance: string): Promise<void> {
    this.rejections.delete(appliance);
  }
}

/** The gate of a run: over `rejections`, or, when none is given, the container memory's own in-memory store. */
export function credentialGateOf(
  rejections: CredentialRejectionStore | undefined,
  memory: CredentialMemory,
  logger: Logger,
): CredentialGate {
  return new CredentialGate(rejections ?? memory.fallbackStore, memory, logger);
}

export interface GatedRead {
  readonly appliance: { readonly name: string; readonly secretId: string };
  readonly credentials: CredentialSource;
  readonly gate: CredentialGate;
  readonly redactor: Redactor;
  readonly logger: Logger;
  /** The run's clock (epoch ms). */
  readonly now: () => number;
  readonly signal: AbortSignal;
}

/**
 * Runs `read` with the secret's credentials, never logging in with a secret version the appliance rejected inside
 * its backoff. The gate is asked before a login only (`read` passes `beforeLogin` to the NITRO session): a run that
 * a kept session serves sends no credentials, so it reads no rejection either. The secret is read once more
 * (bypassing the cache) when the cached version is held back (a version updated since is used on this very run) and
 * after a rejection (a password rotated since it was cached is tried at once); the same version is never tried
 * twice. A rejection is recorded; an acceptance forgets it.
 */
export async function readWithoutLockout<T>(
  input: GatedRead,
  read: (credentials: ApplianceCredentials, beforeLogin: BeforeLogin) => Promise<T>,
): Promise<T> {
  const { appliance, gate, signal, now } = input;
  const fetch = async (refresh: boolean) => {
    const credentials = await input.credentials.getCredentials(appliance.secretId, { signal, ...(refresh && { refresh }) });
    input.redactor.register(appliance.secretId, credentials.password, { username: credentials.username });
    return credentials;
  };
  let credentials = await fetch(false);
  /** Whether the gate was asked this run (`rejection` is what it said; undefined is an answer too). */
  let asked = false;
  let rejection: CredentialRejection | undefined;
  let loggedIn = false;
  /** The gate's own refusal (a CollectorError of class bad-credentials too): not a rejection by the appliance. */
  let heldBack: CollectorError | undefined;
  const ask = async (version: string) => {
    if (asked) return;
    rejection = await gate.current(appliance.name, version, signal);
    asked = true;
  };
  /** Credentials read again after a rejection, and other than the rejected ones: tried at once, whatever their version. */
  let rotated: ApplianceCredentials | undefined;
  const beforeLogin: BeforeLogin = async (offered) => {
    await ask(secretVersionOf(offered));
    let using = offered;
    if ((rotated === undefined || !sameCredentials(rotated, offered)) && isBackingOff(rejection, secretVersionOf(using), now())) {
      using = await fetch(true);
      if (isBackingOff(rejection, secretVersionOf(using), now())) {
        heldBack = backingOffError(appliance.name, appliance.secretId, rejection!, now());
        throw heldBack;
      }
    }
    credentials = using;
    loggedIn = true;
    return using;
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await read(credentials, beforeLogin);
      if (loggedIn) gate.worked(appliance.name, secretVersionOf(credentials));
      if (loggedIn && rejection) await gate.accepted(appliance.name, rejection, signal);
      return result;
    } catch (error) {
      if (error === heldBack || !(error instanceof CollectorError) || error.errorClass !== 'bad-credentials') throw error;
      // A rejection always follows a login, so the gate was asked; `ask` is a no-op then (kept for a refusal without one).
      await ask(secretVersionOf(credentials));
      rejection = await gate.reject(appliance.name, credentials, rejection, error, now(), signal);
      if (attempt > 1) throw backingOffError(appliance.name, appliance.secretId, rejection, now(), error);
      const fresh = await fetch(true);
      if (sameCredentials(fresh, credentials)) throw backingOffError(appliance.name, appliance.secretId, rejection, now(), error);
      input.logger.info('credentials changed in the secret since they were cached; retrying with the new ones', {
        secretId: appliance.secretId,
      });
      credentials = fresh;
      rotated = fresh;
      loggedIn = false;
    }
  }
}
