/**
 * What clients sent, for tests to assert on: method, path, raw query, how they authenticated, the status they
 * got. Never a password: login bodies and X-NITRO-PASS are not recorded, and the current password is redacted
 * from the URL if a client ever puts it there.
 */
import type { FaultKind, RequestLogEntry } from './types.js';

/** Oldest entries are dropped beyond this, so a long-running standalone simulator does not grow without bound. */
const MAX_ENTRIES = 10_000;
const REDACTED = '[REDACTED]';

type MutableEntry = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] };

export type NewEntry = Omit<RequestLogEntry, 'status' | 'fault' | 'credentialsInUrl'>;

/** A handle to fill in an entry's outcome once the answer is known. */
export interface PendingEntry {
  setStatus(status: number): void;
  setFault(fault: FaultKind): void;
  setUsername(username: string): void;
  setSessionTag(tag: string): void;
  setPasswordTag(tag: string): void;
  setLoginTimeout(seconds: number): void;
}

export class RequestLog {
  private entries: MutableEntry[] = [];

  /** Records an arriving request; `secrets` are redacted from its path and query. */
  start(entry: NewEntry, secrets: readonly string[]): PendingEntry {
    const path = redact(entry.path, secrets);
    const query = redact(entry.query, secrets);
    const recorded: MutableEntry = { ...entry, path, query, status: 0 };
    if (path !== entry.path || query !== entry.query) recorded.credentialsInUrl = true;
    this.entries.push(recorded);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return {
      setStatus: (status) => {
        recorded.status = status;
      },
      setFault: (fault) => {
        recorded.fault = fault;
      },
      setUsername: (username) => {
        recorded.username = username;
      },
      setSessionTag: (tag) => {
        recorded.sessionTag = tag;
      },
      setPasswordTag: (tag) => {
        recorded.passwordTag = tag;
      },
      setLoginTimeout: (seconds) => {
        recorded.loginTimeout = seconds;
      },
    };
  }

  list(): RequestLogEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.entries = [];
  }
}

function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) result = result.split(form).join(REDACTED);
  }
  return result;
}
