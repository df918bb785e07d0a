/**
 * The simulated appliance's state and every control operation on it. The HTTP layers (NITRO and /_control)
 * only read and call this.
 */

import type { FirmwareVersion } from '../lambda/catalog/catalog.js';
import type { VirtualServerType } from '../lambda/catalog/virtual-server.js';
import { CounterStore } from './counter-store.js';
import { FaultBook } from './faults.js';
import type { RawJson } from './json-text.js';
import { LoginPolicy } from './login-policy.js';
import { RequestLog } from './request-log.js';
import { SessionStore } from './sessions.js';
import { StatFormat } from './stat-format.js';
import { type Gauges, TrafficModel } from './traffic-model.js';
import type {
  Fault,
  FaultOptions,
  HaState,
  IntegerEncoding,
  JsonValue,
  LockoutPolicy,
  RequestLogEntry,
  ResponseShape,
  SessionCookieName,
  SimulatorControl,
  SimulatorOptions,
} from './types.js';
import { VirtualServerStore, type VirtualServerValues } from './virtual-servers.js';

export const DEFAULT_USERNAME = 'nsroot-reader';
export const DEFAULT_PASSWORD = 'sim-Kx7-moon-4711';
export const DEFAULT_SESSION_LIMIT = 20;
const DEFAULT_SEED = 1;
/** Traffic simulated before the first request with `initialCounters: 'realistic'`: a few thousand sessions. */
const REALISTIC_UPTIME_SECONDS = 300;
const HEARTBEATS_PER_SECOND = 5;
const PAIRED_NODE_UPTIME_SECONDS = 60;

interface HaNode {
  readonly counters: CounterStore;
  readonly startedAt: number;
  /** When the node's master state last changed (stat/hanode transtime). */
  transtime: number;
}

const STANDALONE: HaState = { hacurstatus: 'NO', hacurstate: 'UP', hacurmasterstate: 'Primary' };

export class Appliance implements SimulatorControl {
  /**
   * The nodes behind the management address: one standalone; two after haPair(), each with its own counters,
   * of which only the primary's advance (the secondary carries no traffic and keeps its values).
   */
  private readonly nodes: HaNode[];
  private primary = 0;
  readonly sessions: SessionStore;
  readonly faults = new FaultBook();
  readonly log = new RequestLog();
  readonly virtualServers = new VirtualServerStore();
  readonly format: StatFormat;
  readonly cookieName: SessionCookieName;
  readonly clock: () => number;
  readonly loginPolicy: LoginPolicy;
  private readonly traffic: TrafficModel;
  private credentials: { username: string; password: string };
  private ha: HaState;
  private autoAdvance: boolean;
  private lastAutoAdvanceAt: number;

  constructor(options: SimulatorOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.nodes = [{ counters: new CounterStore(), startedAt: this.clock(), transtime: this.clock() }];
    const sessionLimit = options.sessionLimit ?? DEFAULT_SESSION_LIMIT;
    if (!Number.isInteger(sessionLimit) || sessionLimit < 0) throw new RangeError('sessionLimit must be an integer >= 0');
    this.sessions = new SessionStore(sessionLimit, this.clock);
    this.format = new StatFormat(options.shape ?? 'object', options.integerEncoding ?? 'string', options.firmware ?? '13.1');
    this.loginPolicy = new LoginPolicy(this.clock);
    this.setRestrictedTimeout(options.restrictedTimeout ?? false, options.adminTimeoutSeconds);
    this.setLockout(options.lockout);
    this.cookieName = options.cookieName ?? 'sessionid';
    this.traffic = new TrafficModel(options.seed ?? DEFAULT_SEED, { quiet: options.quiet === true });
    this.credentials = { username: options.username ?? DEFAULT_USERNAME, password: options.password ?? DEFAULT_PASSWORD };
    this.ha = { ...STANDALONE, ...options.haState };
    this.autoAdvance = options.autoAdvance ?? false;
    this.lastAutoAdvanceAt = this.clock();
    if ((options.initialCounters ?? 'realistic') === 'realistic') {
      this.writeGauges(TrafficModel.steadyGauges());
      this.advance(REALISTIC_UPTIME_SECONDS);
    }
  }

  get username(): string {
    return this.credentials.username;
  }

  get password(): string {
    return this.credentials.password;
  }

  get haState(): HaState {
    return this.ha;
  }

  /** The counters of the node that answers (the primary of a pair). */
  get counters(): CounterStore {
    return this.nodes[this.primary]!.counters;
  }

  /** What stat/hanode tells of the answering node: its last master-state transition and heartbeats since start. */
  haNodeFacts(): { readonly transtime: number; readonly heartbeats: bigint } {
    const node = this.nodes[this.primary]!;
    return { transtime: node.transtime, heartbeats: BigInt(Math.floor(((this.clock() - node.startedAt) / 1000) * HEARTBEATS_PER_SECOND)) };
  }

  haPair(): void {
    if (this.nodes.length === 2) return;
    const now = this.clock();
    this.nodes.push({ counters: new CounterStore(), startedAt: now, transtime: now });
    this.ha = { ...this.ha, hacurstatus: 'YES', hacurmasterstate: 'Primary', hacurstate: 'UP' };
    // The other node starts with a few minutes of its own traffic, far less than this one's.
    const first = this.primary;
    this.primary = 1;
    this.writeGauges(TrafficModel.steadyGauges());
    this.advance(PAIRED_NODE_UPTIME_SECONDS);
    this.primary = first;
  }

  haSwitch(): void {
    if (this.nodes.length !== 2) throw new TypeError('haSwitch: not an HA pair (call haPair first)');
    const now = this.clock();
    for (const node of this.nodes) node.transtime = now;
    this.primary = 1 - this.primary;
    // Sessions are per node: the floating address now reaches the other one, which knows none of them.
    this.sessions.endAll();
  }

  haPrimaryNode(): 0 | 1 {
    return this.primary === 0 ? 0 : 1;
  }

  credentialsMatch(username: string, password: string): boolean {
    return username === this.credentials.username && password === this.credentials.password;
  }

  /** On a stat GET: the traffic of the wall-clock time since the last one, when autoAdvance is on. */
  advanceToNow(): void {
    const now = this.clock();
    const seconds = (now - this.lastAutoAdvanceAt) / 1000;
    this.lastAutoAdvanceAt = now;
    if (this.autoAdvance && seconds > 0) this.advance(seconds);
  }

  setCredentials(username: string, password: string): void {
    if (username === '' || password === '') throw new TypeError('username and password must not be empty');
    this.credentials = { username, password };
  }

  setCounter(nitroName: string, value: bigint | string | number): void {
    this.counters.set(nitroName, value);
  }

  getCounters(): Record<string, bigint> {
    return this.counters.integersSnapshot();
  }

  getRates(): Record<string, number> {
    return this.counters.ratesSnapshot();
  }

  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('advance: seconds must be a finite number >= 0');
    if (seconds === 0) return;
    const step = this.traffic.step(seconds, this.readGauges());
    for (const [counter, delta] of step.counterDeltas) {
      this.counters.addToCounter(counter, BigInt(delta));
      this.counters.setRateOfCounter(counter, Math.round(delta / seconds));
    }
    this.writeGauges(step.gauges);
  }

  setAutoAdvance(enabled: boolean): void {
    this.autoAdvance = enabled;
    this.lastAutoAdvanceAt = this.clock();
  }

  reboot(): void {
    this.counters.zeroAll();
    this.sessions.endAll();
  }

  clearStats(): void {
    this.counters.zeroCounters();
  }

  setShape(shape: ResponseShape): void {
    if (shape !== 'object' && shape !== 'array') throw new TypeError(`unknown shape ${String(shape)}`);
    this.format.shape = shape;
  }

  setIntegerEncoding(encoding: IntegerEncoding): void {
    if (encoding !== 'string' && encoding !== 'number') throw new TypeError(`unknown integer encoding ${String(encoding)}`);
    this.format.integerEncoding = encoding;
  }

  removeFields(names: readonly string[]): void {
    this.format.removeFields(names);
  }

  addFields(fields: Readonly<Record<string, JsonValue>>): void {
    for (const [name, value] of Object.entries(fields)) this.format.setField(name, value);
  }

  setRawField(name: string, value: JsonValue | RawJson): void {
    this.format.setField(name, value);
  }

  resetFields(): void {
    this.format.reset();
  }

  setHaState(state: Partial<HaState>): void {
    this.ha = { ...this.ha, ...state };
  }

  injectFault(fault: Fault, options?: FaultOptions): void {
    this.faults.inject(fault, options);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  requests(): RequestLogEntry[] {
    return this.log.list();
  }

  clearRequests(): void {
    this.log.clear();
  }

  openSessions(): number {
    return this.sessions.openCount();
  }

  openSessionTags(): string[] {
    return this.sessions.openTags();
  }

  logins(): number {
    return this.sessions.createdCount();
  }

  maxConcurrentSessions(): number {
    return this.sessions.maxConcurrent();
  }

  killSessions(): void {
    this.sessions.endAll();
  }

  setVirtualServer(type: VirtualServerType, name: string, values?: VirtualServerValues): void {
    this.virtualServers.set(type, name, values);
  }

  removeVirtualServer(type: VirtualServerType, name: string): void {
    this.virtualServers.remove(type, name);
  }

  setFirmware(firmware: FirmwareVersion): void {
    if (firmware !== '13.1' && firmware !== '14.1') throw new TypeError(`unknown firmware ${String(firmware)}`);
    this.format.firmware = firmware;
  }

  setRestrictedTimeout(enabled: boolean, adminTimeoutSeconds?: number): void {
    if (adminTimeoutSeconds !== undefined && (!Number.isSafeInteger(adminTimeoutSeconds) || adminTimeoutSeconds < 1)) {
      throw new RangeError('adminTimeoutSeconds must be a whole number of seconds >= 1');
    }
    this.loginPolicy.restrictedTimeout = enabled;
    if (adminTimeoutSeconds !== undefined) this.loginPolicy.adminTimeoutSeconds = adminTimeoutSeconds;
  }

  setLockout(policy: LockoutPolicy | undefined): void {
    if (policy && (!Number.isSafeInteger(policy.failures) || policy.failures < 1 || !(policy.lockSeconds > 0))) {
      throw new RangeError('lockout: failures must be a whole number >= 1 and lockSeconds > 0');
    }
    this.loginPolicy.lockout = policy;
    this.loginPolicy.unlockAll();
  }

  lockedUntil(username: string = this.credentials.username): number | undefined {
    return this.loginPolicy.lockedUntil(username);
  }

  passwordTagOf(password: string): string | undefined {
    return this.loginPolicy.passwordTagOf(password);
  }

  loginRefusals(): { failedLogins: number; lockedRefusals: number } {
    return this.loginPolicy.counts();
  }

  private readGauges(): Gauges {
    const value = (name: string): number => Number(this.counters.integer(name));
    return {
      mptcpcurmpcapablesessions: value('mptcpcurmpcapablesessions'),
      mptcpcursesswithoutsfs: value('mptcpcursesswithoutsfs'),
      mptcpcursfconnections: value('mptcpcursfconnections'),
      mptcpcurpendingjoin: value('mptcpcurpendingjoin'),
    };
  }

  private writeGauges(gauges: Gauges): void {
    for (const [name, value] of Object.entries(gauges)) this.counters.setGauge(name, BigInt(value));
  }
}
