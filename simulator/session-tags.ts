/**
 * Short opaque tags for sessions (`s1`, `s2`, ... per simulator), so tests can follow a session through the
 * request log without the session id, which is a credential. A tag is remembered after its session ends.
 */

/** Tags of the most recent sessions kept; older ones are forgotten so a long standalone run stays bounded. */
const MAX_REMEMBERED = 100_000;

export class SessionTags {
  private issued = 0;
  private readonly bySessionId = new Map<string, string>();

  /** A new tag for a newly created session id. */
  issue(sessionId: string): string {
    this.issued += 1;
    const tag = `s${this.issued}`;
    this.bySessionId.set(sessionId, tag);
    if (this.bySessionId.size > MAX_REMEMBERED) {
      const oldest = this.bySessionId.keys().next();
      if (!oldest.done) this.bySessionId.delete(oldest.value);
    }
    return tag;
  }

  /** The tag of a session id this simulator issued (alive or not); undefined for any other string. */
  tagOf(sessionId: string): string | undefined {
    return this.bySessionId.get(sessionId);
  }
}
