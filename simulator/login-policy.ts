/**
 * What a hardened appliance checks on login before it opens a session: the session timeout under
 * `set system parameter -restrictedTimeout ENABLED`, and an account lockout policy (as a directory-backed user or
 * a hardened local-user policy has). Also the opaque tags of the passwords logins present, so a test can tell
 * which secret version a login used without any password being recorded.
 */
import { type HttpReply, NitroCode, NitroMessage, nitroError } from './replies.js';
import type { LockoutPolicy } from './types.js';

/** The session timeout without the restriction, when a login sends none (NITRO's default, 30 minutes). */
export const DEFAULT_SESSION_TIMEOUT_SECONDS = 1800;
/** The admin-configured timeout (`set system parameter -timeout`), default 900 s: the restricted range's top. */
export const DEFAULT_ADMIN_TIMEOUT_SECONDS = 900;
export const RESTRICTED_TIMEOUT_RANGE = { min: 300, max: 86_400 } as const;

interface Lock {
  failures: number;
  lockedUntil?: number;
}

export class LoginPolicy {
  restrictedTimeout = false;
  adminTimeoutSeconds = DEFAULT_ADMIN_TIMEOUT_SECONDS;
  lockout: LockoutPolicy | undefined;
  private readonly locks = new Map<string, Lock>();
  private readonly passwordTags = new Map<string, string>();
  private failedLogins = 0;
  private lockedRefusals = 0;

  constructor(private readonly clock: () => number) {}

  /** The session timeout a login gets, or the refusal of a timeout outside the restricted range. */
  sessionTimeout(requested: number | undefined): { ok: true; seconds: number } | { ok: false; reply: HttpReply } {
    if (!this.restrictedTimeout) return { ok: true, seconds: requested ?? DEFAULT_SESSION_TIMEOUT_SECONDS };
    if (requested === undefined) return { ok: true, seconds: this.adminTimeoutSeconds };
    const max = Math.min(RESTRICTED_TIMEOUT_RANGE.max, this.adminTimeoutSeconds);
    if (requested >= RESTRICTED_TIMEOUT_RANGE.min && requested <= max) return { ok: true, seconds: requested };
    return {
      ok: false,
      reply: nitroError(
        400,
        NitroCode.invalidArgument,
        `${NitroMessage.invalidArgument} [timeout, ${requested} is outside ${RESTRICTED_TIMEOUT_RANGE.min}-${max}: restrictedTimeout is enabled]`,
      ),
    };
  }

  /** Refuses a login of a locked user (whatever its password), restarting the lock as the policy says. */
  refuseIfLocked(username: string): HttpReply | undefined {
    const lock = this.locks.get(username);
    const now = this.clock();
    if (!this.lockout || lock?.lockedUntil === undefined) return undefined;
    if (now >= lock.lockedUntil) {
      this.locks.delete(username);
      return undefined;
    }
    lock.lockedUntil = now + this.lockout.lockSeconds * 1000;
    this.lockedRefusals++;
    return nitroError(401, NitroCode.invalidCredentials, NitroMessage.userLocked);
  }

  /** A login with a wrong password: counted towards the lock. */
  recordFailure(username: string): void {
    this.failedLogins++;
    if (!this.lockout) return;
    const lock = this.locks.get(username) ?? { failures: 0 };
    lock.failures++;
    if (lock.failures >= this.lockout.failures) lock.lockedUntil = this.clock() + this.lockout.lockSeconds * 1000;
    this.locks.set(username, lock);
  }

  unlockAll(): void {
    this.locks.clear();
  }

  recordSuccess(username: string): void {
    this.locks.delete(username);
  }

  /** When `username`'s lock ends (epoch ms), if it is locked now. */
  lockedUntil(username: string): number | undefined {
    const until = this.locks.get(username)?.lockedUntil;
    return until !== undefined && until > this.clock() ? until : undefined;
  }

  /** `p1`, `p2`, ... in the order passwords were first presented; nothing of the password itself. */
  tagPassword(password: string): string {
    let tag = this.passwordTags.get(password);
    if (tag === undefined) this.passwordTags.set(password, (tag = `p${this.passwordTags.size + 1}`));
    return tag;
  }

  passwordTagOf(password: string): string | undefined {
    return this.passwordTags.get(password);
  }

  counts(): { failedLogins: number; lockedRefusals: number } {
    return { failedLogins: this.failedLogins, lockedRefusals: this.lockedRefusals };
  }
}
