/**
 * What goes wrong in each soak round, drawn from a seeded PRNG: faults at every edge (NITRO, Secrets Manager,
 * DynamoDB, CloudWatch) and events on the appliances (resets, rotations, fields that vanish and come back, HA
 * failovers and failbacks through a floating address, whole runs in which the state table refuses every call).
 * Pure: the engine applies the plan.
 */

import { DEFAULT_USERNAME } from '../../simulator/appliance.js';
import { Prng } from '../../simulator/prng.js';
import type { Fault, FaultTarget } from '../../simulator/types.js';
import type { InjectedFault } from '../support/fault-proxy.js';
import { passwordEncodings } from '../support/password-encodings.js';
import { COUNTERS } from './ledger.js';

export type NitroFaultKind =
  | 'down'
  | 'slow'
  | 'drip'
  | 'hang'
  | 'http-5xx'
  | 'http-599'
  | 'html'
  | 'truncated-stat'
  | 'truncated-login'
  | 'not-json'
  | 'errorcode-in-200'
  | 'session-expired'
  | 'session-expired-kept'
  | 'decoy-cookie'
  | 'logout-fails'
  | 'password-echoed-in-text'
  | 'password-echoed-in-error'
  | 'password-echoed-encoded'
  | 'password-echoed-encoded-in-error'
  | 'huge-message'
  | 'oversize-body';

/** [kind, probability per appliance and round, where, fault] */
const NITRO_FAULTS: readonly (readonly [NitroFaultKind, number, FaultTarget, (password: string) => Fault])[] = [
  ['down', 0.02, 'login', () => ({ kind: 'reset' })],
  ['slow', 0.02, 'stat', () => ({ kind: 'latency', ms: 150 })],
  ['drip', 0.003, 'stat', () => ({ kind: 'drip', intervalMs: 200, bytes: 1 })],
  ['hang', 0.002, 'hanode', () => ({ kind: 'hang' })],
  ['http-5xx', 0.015, 'stat', () => ({ kind: 'nitro-error', status: 503, errorcode: 2, message: 'Service unavailable' })],
  ['http-599', 0.015, 'stat', () => ({ kind: 'nitro-error', status: 599, errorcode: 1234, message: 'Netscaler specific error' })],
  ['html', 0.01, 'stat', () => ({ kind: 'html', status: 502 })],
  ['truncated-stat', 0.01, 'stat', () => ({ kind: 'truncated' })],
  ['truncated-login', 0.01, 'login', () => ({ kind: 'truncated' })],
  ['not-json', 0.01, 'stat', () => ({ kind: 'not-json' })],
  ['errorcode-in-200', 0.01, 'stat', () => ({ kind: 'nitro-error', status: 200, errorcode: 278, message: 'Invalid argument' })],
  ['session-expired', 0.02, 'stat', () => ({ kind: 'session-expired', status: 401 })],
  ['session-expired-kept', 0.01, 'stat', () => ({ kind: 'session-expired', status: 200, keepSession: true })],
  ['decoy-cookie', 0.01, 'login', () => ({ kind: 'decoy-cookie' })],
  ['logout-fails', 0.01, 'logout', () => ({ kind: 'nitro-error', status: 500, errorcode: 1, message: 'Internal error' })],
  [
    'password-echoed-in-text',
    0.01,
    'stat',
    (password) => ({ kind: 'text', status: 500, body: `ERROR: session for password ${password} is not valid\n${'='.repeat(70)}` }),
  ],
  [
    'password-echoed-in-error',
    0.01,
    'login',
    (password) => ({ kind: 'nitro-error', status: 401, errorcode: 354, message: `Invalid password ${password}` }),
  ],
  // Every encoding the scrubber promises to catch (base64, Basic, hex, form, split across a line, Latin-1).
  [
    'password-echoed-encoded',
    0.01,
    'stat',
    (password) => ({
      kind: 'text',
      status: 502,
      body: `proxy error; request was:\n${passwordEncodings(DEFAULT_USERNAME, password).join('\n')}`,
    }),
  ],
  [
    'password-echoed-encoded-in-error',
    0.005,
    'login',
    (password) => ({
      kind: 'nitro-error',
      status: 401,
      errorcode: 354,
      message: `Invalid credentials ${passwordEncodings(DEFAULT_USERNAME, password).join(' ')}`,
    }),
  ],
  // A NITRO message of 50 KB, within the stat answer's body limit: cut to an excerpt before any message.
  [
    'huge-message',
    0.005,
    'stat',
    (password) => ({ kind: 'nitro-error', status: 599, errorcode: 1234, message: `${'huge '.repeat(10_000)}${password}` }),
  ],
  // Beyond the stat answer's body limit: refused without reading it all.
  [
    'oversize-body',
    0.005,
    'stat',
    () => ({ kind: 'text', status: 200, contentType: 'application/json', body: `{"errorcode":0,"x":"${'y'.repeat(200_000)}"}` }),
  ],
];

export type AwsFaultKind =
  | 'secrets-hang'
  | 'secrets-error'
  | 'claim-error'
  | 'claim-hang'
  | 'claim-answer-lost'
  | 'commit-error'
  | 'commit-hang'
  | 'commit-answer-lost'
  | 'cloudwatch-refused'
  | 'cloudwatch-throttled'
  | 'cloudwatch-throttled-once'
  | 'cloudwatch-hang'
  | 'cloudwatch-answer-lost'
  | 'cloudwatch-partial'
  | 'cloudwatch-answer-cut'
  | 'commits-refused-for-a-while'
  | 'rejection-write-error'
  | 'state-table-throttled'
  | 'state-table-denied';

/** [kind, probability per round, operation, which calls of it, fault] */
const AWS_FAULTS: readonly (readonly [AwsFaultKind, number, AwsFaultRule['operation'], 'first' | 'all' | 'second', InjectedFault])[] = [
  ['secrets-hang', 0.3, 'GetSecretValue', 'all', { kind: 'hang' }],
  ['secrets-error', 0.3, 'GetSecretValue', 'first', { status: 500, code: 'InternalServiceError', message: 'simulated' }],
  ['claim-error', 0.02, 'claim', 'all', { status: 500, code: 'InternalServerError', message: 'simulated' }],
  ['claim-hang', 0.004, 'claim', 'first', { kind: 'hang' }],
  ['claim-answer-lost', 0.02, 'claim', 'first', { kind: 'answer-lost' }],
  ['commit-error', 0.02, 'commit', 'all', { status: 500, code: 'InternalServerError', message: 'simulated' }],
  ['commit-hang', 0.004, 'commit', 'first', { kind: 'hang' }],
  ['commit-answer-lost', 0.02, 'commit', 'first', { kind: 'answer-lost' }],
  ['cloudwatch-refused', 0.02, 'PutMetricData', 'all', { status: 500, code: 'InternalServiceError', message: 'simulated' }],
  ['cloudwatch-throttled', 0.02, 'PutMetricData', 'all', { status: 400, code: 'Throttling', message: 'Rate exceeded' }],
  ['cloudwatch-throttled-once', 0.02, 'PutMetricData', 'first', { status: 400, code: 'Throttling', message: 'Rate exceeded' }],
  ['cloudwatch-hang', 0.004, 'PutMetricData', 'first', { kind: 'hang' }],
  ['cloudwatch-answer-lost', 0.02, 'PutMetricData', 'first', { kind: 'answer-lost' }],
  ['cloudwatch-partial', 0.02, 'PutMetricData', 'second', { status: 500, code: 'InternalServiceError', message: 'simulated' }],
  // The credential rejection's own write: the container keeps it and writes it again; a cold start in between forgets it.
  ['rejection-write-error', 0.05, 'credential-rejection', 'all', { status: 500, code: 'InternalServerError', message: 'simulated' }],
];

export type EventKind =
  | 'reboot'
  | 'clear-stats'
  | 'rotation'
  | 'bad-credentials'
  | 'fields-vanish'
  | 'field-corrupted'
  | 'password-in-field'
  | 'fields-appear'
  | 'down-for-a-while'
  | 'overlapping-runs'
  | 'cold-start'
  | 'state-in-the-future'
  | 'lease-in-the-future'
  | 'ha-failover'
  | 'ha-failback'
  | 'state-table-outage';

export interface AwsFaultRule {
  readonly kind: AwsFaultKind;
  /** `dynamodb`: every call to the state table, whatever it is. */
  readonly operation: 'GetSecretValue' | 'claim' | 'commit' | 'PutMetricData' | 'credential-rejection' | 'dynamodb';
  readonly calls: 'first' | 'all' | 'second';
  readonly fault: InjectedFault;
}

export interface ApplianceRoundPlan {
  readonly nitroFault?: { readonly kind: NitroFaultKind; readonly on: FaultTarget; readonly fault: Fault };
  readonly reset?: 'reboot' | 'clear-stats';
  readonly rotate: boolean;
  /** Rounds the appliance's password differs from its secret (0: no spell starts). */
  readonly badCredentialsFor: number;
  /** Counters removed from the answer, and for how many rounds. */
  readonly vanish?: { readonly counters: readonly string[]; readonly rounds: number };
  readonly corrupt?: { readonly counter: string; readonly withPassword: boolean };
  readonly addUnknownFields: boolean;
  /** Rounds the appliance is unreachable (0: no spell starts): longer than the maximum sample age. */
  readonly downFor: number;
  /** The state item is edited as a bad restore or a clock error would leave it, before the run. */
  readonly stateEdit?: 'state-in-the-future' | 'lease-in-the-future';
  /** The HA pair's floating address moves to the other node before the run (the pair's appliance only). */
  readonly haSwitch?: 'failover' | 'failback';
}

export interface RoundPlan {
  readonly appliances: readonly ApplianceRoundPlan[];
  readonly aws: readonly AwsFaultRule[];
  readonly overlappingRuns: boolean;
  readonly coldStart: boolean;
  /** Every DynamoDB call of this round's runs is refused (a throttled table, a revoked permission). */
  readonly stateOutage?: 'throttled' | 'denied';
  /**
   * In an outage: the container's kept NITRO sessions are gone before the run (an admin's kill, a failover), so
   * that whether it may log in without the table is the credential gate's to decide.
   */
  readonly sessionsLost?: boolean;
  /** Lambda's remaining time for this run: an integer, never round. */
  readonly remainingMs: number;
}

export const MIN_ROUNDS_BETWEEN_RESETS = 12;

/** The fault the state table answers every call with during an outage. */
export const STATE_OUTAGE_FAULTS: Readonly<Record<'throttled' | 'denied', InjectedFault>> = {
  throttled: {
    status: 400,
    code: 'ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded',
  },
  denied: { status: 400, code: 'AccessDeniedException', message: 'User is not authorized to perform: dynamodb:UpdateItem' },
};

export class SoakPlanner {
  private readonly prng: Prng;
  private readonly lastReset: number[];
  private commitsRefusedUntil = 0;
  /** Drawn apart from `prng`, so that the older faults fall on the same rounds as before these were added. */
  private readonly haPrng: Prng;
  /** The round at which the floating address moves back to node A; -1 while A answers. */
  private failbackAt = -1;
  private outageUntil = 0;
  /** Drawn apart from the others too, so that they fall on the same rounds as before it was added. */
  private readonly answerCutPrng: Prng;

  constructor(
    seed: number,
    private readonly appliances: number,
    /** The appliance that is an HA pair behind a floating address, if any. */
    private readonly haPair?: number,
  ) {
    this.prng = new Prng(seed);
    this.haPrng = new Prng(seed * 31 + 17);
    this.answerCutPrng = new Prng(seed * 53 + 29);
    this.lastReset = Array.from({ length: appliances }, () => -MIN_ROUNDS_BETWEEN_RESETS);
  }

  /** Node B answers for 2 to 8 rounds, then A again, whose counters kept growing while it was primary for days. */
  private haSwitch(round: number): 'failover' | 'failback' | undefined {
    if (this.failbackAt >= 0) {
      if (round < this.failbackAt) return undefined;
      this.failbackAt = -1;
      return 'failback';
    }
    if (round < 2 || this.haPrng.next() >= 0.04) return undefined;
    this.failbackAt = round + 2 + Math.floor(this.haPrng.next() * 7);
    return 'failover';
  }

  /** A spell of 1 to 3 whole rounds in which the state table refuses every call. */
  private stateOutage(round: number): RoundPlan['stateOutage'] {
    if (round >= this.outageUntil && round > 0 && this.haPrng.next() < 0.015)
      this.outageUntil = round + 1 + Math.floor(this.haPrng.next() * 3);
    if (round >= this.outageUntil) return undefined;
    return this.haPrng.next() < 0.5 ? 'throttled' : 'denied';
  }

  private chance(p: number): boolean {
    return this.prng.next() < p;
  }

  private integer(min: number, max: number): number {
    return min + Math.floor(this.prng.next() * (max - min + 1));
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.prng.next() * items.length)]!;
  }

  /** `passwords`: per appliance, the password its echo faults echo (the one the collector last sent it). */
  plan(round: number, passwords: readonly string[]): RoundPlan {
    const appliances = Array.from({ length: this.appliances }, (_, index): ApplianceRoundPlan => {
      const candidates = NITRO_FAULTS.filter(([, p]) => this.chance(p));
      const chosen = candidates.length > 0 ? this.pick(candidates) : undefined;
      let reset: ApplianceRoundPlan['reset'];
      // Resets spaced out, so that the counters have grown beyond what they will be after the next one: a reset
      // none of the counters shows cannot be told from traffic (docs/architecture.md: How counters become CloudWatch metrics).
      if (round - this.lastReset[index]! >= MIN_ROUNDS_BETWEEN_RESETS && round > 0) {
        if (this.chance(0.004)) reset = 'reboot';
        else if (this.chance(0.003)) reset = 'clear-stats';
        if (reset) this.lastReset[index] = round;
      }
      return {
        ...(chosen ? { nitroFault: { kind: chosen[0], on: chosen[2], fault: chosen[3](passwords[index]!) } } : {}),
        ...(reset ? { reset } : {}),
        rotate: this.chance(0.005),
        badCredentialsFor: this.chance(0.003) ? this.integer(1, 3) : 0,
        ...(this.chance(0.01)
          ? { vanish: { counters: Array.from({ length: this.integer(1, 3) }, () => this.pick(COUNTERS)), rounds: this.integer(1, 20) } }
          : {}),
        ...(this.chance(0.006) ? { corrupt: { counter: this.pick(COUNTERS), withPassword: this.chance(0.5) } } : {}),
        addUnknownFields: this.chance(0.003),
        downFor: this.chance(0.0015) ? this.integer(16, 20) : 0,
        ...(this.chance(0.002)
          ? { stateEdit: this.chance(0.5) ? ('state-in-the-future' as const) : ('lease-in-the-future' as const) }
          : {}),
      };
    });
    const haSwitch = this.haPair === undefined ? undefined : this.haSwitch(round);
    if (haSwitch && this.haPair !== undefined) appliances[this.haPair] = { ...appliances[this.haPair]!, haSwitch };
    const stateOutage = this.stateOutage(round);
    const sessionsLost = stateOutage !== undefined && this.haPrng.next() < 0.5;
    const aws: AwsFaultRule[] = [];
    // A spell of 3 to 8 rounds in which every final commit is refused (a throttled table, a changed permission).
    if (round >= this.commitsRefusedUntil && this.chance(0.01)) this.commitsRefusedUntil = round + this.integer(3, 8);
    if (round < this.commitsRefusedUntil)
      aws.push({
        kind: 'commits-refused-for-a-while',
        operation: 'commit',
        calls: 'all',
        fault: { status: 400, code: 'ThrottlingException', message: 'simulated' },
      });
    for (const [kind, p, operation, calls, fault] of AWS_FAULTS) {
      // Secrets are read only on a cold start or after a rotation: their faults are drawn for those rounds.
      if (operation !== 'GetSecretValue' && this.chance(p)) aws.push({ kind, operation, calls, fault });
    }
    // CloudWatch stores the call and its answer starts (HTTP 200), then the connection drops before its body ends.
    if (this.answerCutPrng.next() < 0.02)
      aws.push({ kind: 'cloudwatch-answer-cut', operation: 'PutMetricData', calls: 'first', fault: { kind: 'answer-cut' } });
    const coldStart = this.chance(0.02);
    if (coldStart) {
      for (const [kind, p, operation, calls, fault] of AWS_FAULTS)
        if (operation === 'GetSecretValue' && this.chance(p)) aws.push({ kind, operation, calls, fault });
    }
    // First: an outage refuses every call, whatever else this round planned for the table.
    if (stateOutage)
      aws.unshift({ kind: `state-table-${stateOutage}`, operation: 'dynamodb', calls: 'all', fault: STATE_OUTAGE_FAULTS[stateOutage] });
    return {
      appliances,
      aws,
      overlappingRuns: this.chance(0.01),
      coldStart,
      remainingMs: this.integer(8_003, 9_997),
      ...(stateOutage && { stateOutage }),
      ...(sessionsLost && { sessionsLost }),
    };
  }
}
