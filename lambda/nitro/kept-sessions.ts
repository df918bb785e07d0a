/**
 * The NITRO sessions a warm container keeps from one run to the next (part of its ContainerMemory): at most one per
 * appliance. A run takes its appliance's session out, uses it, and puts it back (or logs it out), so no two runs of
 * one container can ever hold two live sessions for the same appliance.
 *
 * A kept session is an idle timeout on the appliance: it ends by itself `idleTimeoutMs` after its last request. A
 * container whose runs come further apart than that does not keep it (the client logs out at the end of each run
 * instead, see NitroClient.withSession), so the appliance never counts a session that will only expire.
 */
import type { ApplianceCredentials } from '../core/ports.js';
import { SESSION_TIMEOUT_SECONDS } from '../core/session-timeout.js';

/** One appliance's session as the container keeps it between runs. */
export interface KeptSession {
  /** The settings it was opened with (URL, TLS options, timeout): other settings end it. */
  readonly settings: string;
  /** The credentials it was opened with: another secret version ends it. */
  readonly credentials: ApplianceCredentials;
  readonly token: string;
  /** The idle timeout the appliance applies to it (what the login asked, or the shortest valid one). */
  readonly idleTimeoutMs: number;
  /** Logs it out with the client (and settings) that opened it. */
  readonly end: () => Promise<void>;
}

/** What the container knows of one appliance's NITRO sessions. */
export interface ApplianceSessions {
  /** When the appliance's last run ended (on the run clock): the gap to the next run tells whether to keep one. */
  readonly lastRunAt: number;
  readonly session?: KeptSession;
  /** The runs are further apart than the session timeout: each run logs out (said once, at INFO). */
  readonly logsOutEachRun?: boolean;
}

/** The idle timeout of a session whose login sent none: the appliance's own, at least the shortest valid one. */
export const UNKNOWN_IDLE_TIMEOUT_MS = SESSION_TIMEOUT_SECONDS.min * 1000;

/**
 * A kept session is not used past its idle timeout less this margin (clock steps, a run's own length): the
 * appliance may have ended it already, and a request would cost a 444 and a new login anyway.
 */
export function idleMarginMs(idleTimeoutMs: number): number {
  return Math.max(15_000, Math.round(idleTimeoutMs / 10));
}

/** True when a session idle for `idleMs` may have ended on the appliance. */
export function mayHaveExpired(idleMs: number, idleTimeoutMs: number): boolean {
  return idleMs >= idleTimeoutMs - idleMarginMs(idleTimeoutMs);
}

export class KeptNitroSessions {
  private readonly byAppliance = new Map<string, ApplianceSessions>();

  /** The appliance's record, taken out: until `put`, no other run of this container can use its session. */
  take(appliance: string): ApplianceSessions | undefined {
    const record = this.byAppliance.get(appliance);
    this.byAppliance.delete(appliance);
    return record;
  }

  /**
   * Puts the appliance's record back; returns a session it displaced (another run of this container kept one in the
   * meantime), which the caller logs out: never two live sessions for one appliance.
   */
  put(appliance: string, record: ApplianceSessions): KeptSession | undefined {
    const displaced = this.byAppliance.get(appliance)?.session;
    this.byAppliance.set(appliance, record);
    return displaced !== undefined && displaced.token !== record.session?.token ? displaced : undefined;
  }

  /** True while a session is kept for the appliance. */
  isKept(appliance: string): boolean {
    return this.byAppliance.get(appliance)?.session !== undefined;
  }

  /** Logs out every kept session (a container's end, a test's, a one-shot CLI run's). Never throws. */
  async endAll(): Promise<void> {
    const sessions = [...this.byAppliance.values()].flatMap((record) => (record.session ? [record.session] : []));
    this.byAppliance.clear();
    await Promise.all(sessions.map((session) => session.end()));
  }
}
