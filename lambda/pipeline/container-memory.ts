/**
 * What a warm container remembers from one invocation to the next, in one object. The handler factory creates it
 * once per container and passes it down explicitly; nothing of it lives in a module-level variable, so two
 * handlers (two tests, two containers in one process) never share it, and a cold start is a new object.
 */
import type { CredentialSource } from '../core/ports.js';
import { Redactor } from '../logger.js';
import { KeptNitroSessions } from '../nitro/kept-sessions.js';
import { NitroTransports } from '../nitro/transport.js';
import { CredentialMemory } from './credential-gate.js';
import { MissingFieldsReported } from './missing-fields.js';

export interface ContainerMemory {
  /** Every password this container has read: scrubbed from every log line and result. */
  readonly redactor: Redactor;
  /** The credential rejections this container has seen (also those the state table could not store). */
  readonly credentials: CredentialMemory;
  /** Each appliance's missing fields as last reported: reported when they change, not every minute. */
  readonly missingFieldsReported: MissingFieldsReported;
  /** Runs in a row that found an appliance's state item busy or superseded (a WARN from the third). */
  readonly blockedRuns: Map<string, number>;
  /**
   * Appliances (origin and timeout) that refused the login session timeout: later runs log in without it at once,
   * instead of a refused login and a warning every minute.
   */
  readonly timeoutRefusedBy: Set<string>;
  /** Each appliance's NITRO session, kept from one run to the next (at most one per appliance). */
  readonly nitroSessions: KeptNitroSessions;
  /** Each appliance's keep-alive connection and TLS session, kept from one run to the next. */
  readonly nitroTransports: NitroTransports;
  /** The secret reader and its cache (created by the handler on first use: it needs the AWS clients). */
  secrets?: CredentialSource;
}

export function createContainerMemory(parts: { readonly redactor?: Redactor } = {}): ContainerMemory {
  return {
    redactor: parts.redactor ?? new Redactor(),
    credentials: new CredentialMemory(),
    missingFieldsReported: new MissingFieldsReported(),
    blockedRuns: new Map(),
    timeoutRefusedBy: new Set(),
    nitroSessions: new KeptNitroSessions(),
    nitroTransports: new NitroTransports(),
  };
}

/** Logs out every NITRO session the container keeps, then closes its connections: a container's end, a test's end. */
export async function endNitroSessions(memory: ContainerMemory): Promise<void> {
  await memory.nitroSessions.endAll();
  memory.nitroTransports.closeAll();
}
