/**
 * The soak's check that no run ever logs in with a rejected secret version inside its backoff, read off the
 * simulator's request log: every login carries the tag of the password it presented (never the password), and in
 * the soak a secret version and its password go together (each rotation writes a new password). After the n-th
 * rejection in a row of a password, no later login may present it before the backoff of n rejections has passed.
 * Logins of the same moment (overlapping runs that read the state before either was rejected) are not "later".
 */
import { credentialBackoffMs } from '../../lambda/core/credential-backoff.js';
import type { RequestLogEntry } from '../../simulator/types.js';

interface Rejected {
  readonly at: number;
  readonly inARow: number;
}

export class CredentialWatch {
  private readonly rejected = new Map<string, Rejected>();
  loginsWithRejectedPassword = 0;
  /** Logins inside a backoff the collector could not have known of (documented window, counted, not a violation). */
  loginsAfterForgottenRejection = 0;

  constructor(private readonly appliance: string) {}

  /**
   * The login entries of one round, in order; returns violations. `forgotten()` says (once) whether a cold start
   * came after a rejection whose write to the state table failed: the new container cannot know of it (docs/reliability.md,
   * "Known limits"), so one login inside that backoff is the documented window.
   */
  check(requests: readonly RequestLogEntry[], forgotten: () => boolean = () => false): string[] {
    const violations: string[] = [];
    const logins = requests.filter((r) => r.path === '/nitro/v1/config/login' && r.passwordTag !== undefined);
    for (const login of logins) {
      const tag = login.passwordTag!;
      const before = this.rejected.get(tag);
      if (before && login.at > before.at) {
        this.loginsWithRejectedPassword++;
        const allowedFrom = before.at + credentialBackoffMs(before.inARow);
        if (login.at < allowedFrom && forgotten()) this.loginsAfterForgottenRejection++;
        else if (login.at < allowedFrom) {
          violations.push(
            `${this.appliance}: a login at ${iso(login.at)} presented password ${tag}, rejected ${before.inARow} time(s) in a row, last at ${iso(before.at)}: inside its backoff (until ${iso(allowedFrom)})`,
          );
        }
      }
      // 401: the appliance rejected the password (354, or a locked user); an injected fault may be a 354 too.
      if (login.status === 401) {
        if (!(before && login.at === before.at)) this.rejected.set(tag, { at: login.at, inARow: (before?.inARow ?? 0) + 1 });
      } else if (login.status === 201) this.rejected.delete(tag);
    }
    return violations;
  }
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
