/**
 * NITRO login sessions: a limited number alive at once, each ending on logout, kill, reboot or after `timeout`
 * seconds without a request.
 */
import { randomBytes } from 'node:crypto';
import { SessionTags } from './session-tags.js';

interface Session {
  readonly username: string;
  readonly tag: string;
  readonly timeoutMs: number;
  lastUsedAt: number;
}

export type CreateSessionResult =
  | { readonly ok: true; readonly sessionId: string; readonly tag: string }
  | { readonly ok: false; readonly reason: 'limit' };

/** Appliances hand out opaque ids starting with '##'; clients must send them back byte for byte. */
export function newSessionId(): string {
  return `##${randomBytes(24).toString('hex').toUpperCase()}`;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly tags = new SessionTags();
  private highWaterMark = 0;
  private created = 0;

  constructor(
    private readonly limit: number,
    private readonly clock: () => number,
  ) {}

  create(username: string, timeoutSeconds: number): CreateSessionResult {
    this.dropExpired();
    if (this.sessions.size >= this.limit) return { ok: false, reason: 'limit' };
    const sessionId = newSessionId();
    const tag = this.tags.issue(sessionId);
    this.sessions.set(sessionId, { username, tag, timeoutMs: timeoutSeconds * 1000, lastUsedAt: this.clock() });
    this.highWaterMark = Math.max(this.highWaterMark, this.sessions.size);
    this.created++;
    return { ok: true, sessionId, tag };
  }

  /** True (and the session's idle time restarts) when the session is alive. */
  use(sessionId: string): boolean {
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    const now = this.clock();
    if (now - session.lastUsedAt >= session.timeoutMs) {
      this.sessions.delete(sessionId);
      return false;
    }
    session.lastUsedAt = now;
    return true;
  }

  end(sessionId: string): boolean {
    return this.sessions.delete(sessionId);
  }

  endAll(): void {
    this.sessions.clear();
  }

  openCount(): number {
    this.dropExpired();
    return this.sessions.size;
  }

  /** The tags of the sessions alive now, oldest first. */
  openTags(): string[] {
    this.dropExpired();
    return [...this.sessions.values()].map((session) => session.tag);
  }

  /** The tag of any session id this store ever issued (alive, ended or expired). */
  tagOf(sessionId: string): string | undefined {
    return this.tags.tagOf(sessionId);
  }

  /** Sessions created since start: the logins that succeeded. */
  createdCount(): number {
    return this.created;
  }

  maxConcurrent(): number {
    return this.highWaterMark;
  }

  private dropExpired(): void {
    const now = this.clock();
    for (const [id, session] of this.sessions) {
      if (now - session.lastUsedAt >= session.timeoutMs) this.sessions.delete(id);
    }
  }
}
