/**
 * The soak: the real pipeline (runCollection with the production NITRO client, Secrets Manager source,
 * DynamoDB store and CloudWatch sink) round after round over simulated appliances, with random faults at every
 * edge, checked against the simulators' ground truth. DynamoDB and Secrets Manager are moto_server behind a
 * fault proxy; CloudWatch is played by the proxy itself, which keeps every PutMetricData that took effect (moto
 * would hold millions of datapoints). Independent lanes (own appliances, table, proxy) run side by side. One
 * appliance of each lane is an HA pair behind a floating address (haMode primary-only in even lanes, any in odd).
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  type AwsClientSettings,
  createCloudWatchClient,
  createDynamoDbClient,
  createSecretsManagerClient,
} from '../../lambda/aws/clients.js';
import { CloudWatchMetricSink } from '../../lambda/aws/cloudwatch-sink.js';
import { DynamoDbCredentialRejections } from '../../lambda/aws/credential-rejections.js';
import { SecretsManagerCredentialSource } from '../../lambda/aws/secrets.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import { CATALOG } from '../../lambda/catalog/catalog.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import type { CredentialSource } from '../../lambda/core/ports.js';
import { MAX_LOG_LINE_BYTES } from '../../lambda/core/text.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { HEALTH_METRICS, STATE_HEALTH_METRICS } from '../../lambda/metrics/health.js';
import type { CollectorDependencies } from '../../lambda/pipeline/collect-appliance.js';
import { createContainerMemory, endNitroSessions } from '../../lambda/pipeline/container-memory.js';
import { NothingPublishedError, type RunResult, runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { Prng } from '../../simulator/prng.js';
import { type FaultProxy, type InjectedFault, startFaultProxy } from '../support/fault-proxy.js';
import { leaks } from '../support/password-encodings.js';
import { CredentialWatch } from './credential-watch.js';
import { FOREIGN_LOCKOUT_PROBABILITY, type HardenedProfile, hardenedProfile, lockOutUser, V1_COUNTERS } from './hardened-appliances.js';
import { ApplianceLedger, COUNTER_OF_METRIC, COUNTERS } from './ledger.js';
import { DeliveryTally, datumKey, storedDatums } from './observer.js';
import { type AwsFaultRule, type RoundPlan, SoakPlanner } from './plan.js';

export interface SoakOptions {
  readonly rounds: number;
  /** Appliances per lane. */
  readonly appliances: number;
  readonly lanes: number;
  /** Run only this lane (seeded as it is among all lanes): to reproduce one lane's violations faster. */
  readonly onlyLane?: number;
  /** Appends a JSON line per run for this appliance (results, commits, state writes, stored times) to this file. */
  readonly trace?: { readonly appliance: string; readonly file: string };
  readonly seed: number;
  /** moto_server's endpoint. */
  readonly motoEndpoint: string;
  /** Called every `progressEvery` rounds of lane 0. */
  readonly progress?: (round: number) => void;
  readonly progressEvery?: number;
}

export interface SoakReport {
  readonly rounds: number;
  readonly runs: number;
  readonly collections: number;
  readonly outcomes: Record<string, number>;
  readonly faults: Record<string, number>;
  readonly violations: readonly string[];
  readonly figures: {
    readonly datapointsPublished: number;
    readonly uncertainDatapoints: number;
    readonly storedWithoutAnswer: number;
    readonly excusedResets: number;
    readonly excusedStaleCounters: number;
    /** Intervals before a new baseline the collector started after repairing a corrupt state item. */
    readonly excusedRebaselines: number;
    readonly committedIntervals: number;
    /** Counter increases of committed intervals checked against CloudWatch (value and count). */
    readonly increasesChecked: number;
    /** Rounds of one counter whose increase CloudWatch holds twice (each inside a documented window). */
    readonly secondCounts: number;
    /** Counter increases the collector dropped (IncreasesDropped), and of those, the ones CloudWatch never got. */
    readonly increasesDropped: number;
    readonly droppedNeverStored: number;
    readonly stateRepairs: number;
    /** Sessions left open because the login's answer or the logout never got through (they end by their timeout). */
    readonly sessionsLeftUnreachable: number;
    readonly longestLogLineBytes: number;
    readonly longestRunMs: number;
    readonly tightestMarginMs: number;
    readonly durationMs: number;
    /** Intervals across a failover or failback: no increase may be published for them. */
    readonly excusedNodeChanges: number;
  };
  /** The HA pairs: failovers, failbacks and what CloudWatch holds of their SessionsCreated against the truth. */
  readonly ha: {
    readonly failovers: number;
    readonly failbacks: number;
    /** Failbacks to a node A with no counter lower than B's and some higher (without the node check: counted as activity). */
    readonly failbacksToHigherCounters: number;
    /** NodeChanges 1 in the runs' datums. */
    readonly nodeChangesReported: number;
    readonly sessionsCreatedTrue: bigint;
    readonly sessionsCreatedCommitted: bigint;
    readonly sessionsCreatedStored: bigint;
  };
  /** The state table's outages: appliance collections of outage runs, and what they published. */
  readonly outages: {
    readonly rounds: number;
    readonly collections: number;
    /** Appliances whose gauges the round must publish (see Lane.gaugesExpected). */
    readonly answered: number;
    /** Outage rounds that began with the container's kept NITRO sessions gone (logins decided by the credential gate). */
    readonly sessionsLost: number;
    readonly withGauges: number;
    readonly stateUnavailable: number;
    /** Counter datums of outage runs: must be 0. */
    readonly counterDatums: number;
  };
  /** Logins the appliances refused (wrong password, locked user) and later logins with a rejected password. */
  readonly credentials: {
    readonly failedLogins: number;
    readonly lockedRefusals: number;
    readonly loginsWithRejectedPassword: number;
    /** Inside a backoff, after a cold start forgot a rejection whose write had failed (the documented window). */
    readonly loginsAfterForgottenRejection: number;
  };
}

const MINUTE = 60_000;
const MAX_SAMPLE_AGE_MS = 15 * MINUTE;
/** Short AWS timeouts: a hung call costs the soak little time. */
const AWS_SETTINGS: AwsClientSettings = { region: 'us-east-1', requestTimeoutMs: 400, connectionTimeoutMs: 300, maxAttempts: 2 };
const UNKNOWN_FIELDS = { mptcptotfuturecounter: '5', mptcpfuturerate: 1.5 };
const SESSIONS_CREATED = 'mptcptotmpcapsession';
const GAUGES: ReadonlySet<string> = new Set(CATALOG.filter((m) => m.kind === 'gauge').map((m) => m.metricName));
const DYNAMODB_OPERATIONS: ReadonlySet<string> = new Set(['UpdateItem', 'GetItem', 'PutItem', 'DeleteItem', 'Query', 'TransactWriteItems']);
/** The appliance of each lane that is an HA pair. */
const haPairIndex = (appliances: number) => Math.min(1, appliances - 1);

interface ApplianceState {
  readonly name: string;
  readonly sim: Simulator;
  readonly secretId: string;
  readonly ledger: ApplianceLedger;
  secretPassword: string;
  badCredentialsUntil: number;
  downUntil: number;
  readonly vanished: Map<string, number>;
  unknownFields: boolean;
  readonly failedLogoutTags: Set<string>;
  readonly haPair: boolean;
  /** The last rounds with a login the appliance accepted, one it refused, and a rotation of its password. */
  lastLoginOk: number;
  lastLoginRefused: number;
  lastRotation: number;
  readonly profile: HardenedProfile;
  firmware: HardenedProfile['firmware'];
  readonly watch: CredentialWatch;
  /** The collector logged that this appliance's credential rejection could not be stored, and none was since. */
  rejectionUnstored: boolean;
  /** A cold start came while `rejectionUnstored`: the new container cannot know of that rejection. */
  rejectionForgotten: boolean;
}

class Tally {
  readonly counts: Record<string, number> = {};
  add(kind: string, by = 1): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + by;
  }
}

function newPassword(form: number): string {
  const tag = randomBytes(4).toString('hex');
  switch (form % 4) {
    case 0:
      return `sim-Pw0rd-${tag}`;
    case 1:
      return `${'Long-Passw0rd-'.repeat(3)}${tag}`;
    case 2:
      return `pässwörd-ÄÖÜ-密码-🔑-${tag}`;
    default:
      return `line one\nline "two" \\ ${tag}`;
  }
}

class Lane {
  private readonly appliances: ApplianceState[] = [];
  private proxy!: FaultProxy;
  private readonly planner: SoakPlanner;
  private readonly redactor = new Redactor();
  private readonly logger = createMemoryLogger('INFO', this.redactor);
  private readonly allPasswords = new Set<string>();
  /**
   * The passwords the collector has read from a secret. A container that keeps its NITRO session reads a rotated
   * secret only when its cache (5 minutes of wall time) expires, and cannot scrub a password it was never given: a
   * corrupted field echoes the appliance's password only once the collector has read it.
   */
  private readonly readPasswords = new Set<string>();
  /**
   * Secret id -> the password the collector read from it last: the one its redactor scrubs for that appliance
   * (a new version read replaces the old one). A password rotated since, which the collector has not read yet
   * (its NITRO session is kept, its secret cache warm), is one it never sent and cannot scrub: an appliance or
   * proxy echoes this one.
   */
  private readonly lastRead = new Map<string, string>();
  private readonly t0 = Date.now() - 8 * 24 * 3600_000;
  private clock = this.t0;
  private tableName = '';
  private namespace = '';
  private deps!: CollectorDependencies & { sink: CloudWatchMetricSink };
  private rules: readonly AwsFaultRule[] = [];
  private callsThisRound = new Map<string, number>();
  private appliedSeen = 0;
  private readonly selection = resolveSelection('everything');
  private readonly hardenedPrng: Prng;

  readonly violations: string[] = [];
  readonly faults = new Tally();
  readonly outcomes = new Tally();
  runs = 0;
  collections = 0;
  datapointsPublished = 0;
  uncertainDatapoints = 0;
  stateRepairs = 0;
  longestLogLine = 0;
  /** Sessions the collector could not end (login answer or logout lost on its side): excused, counted. */
  sessionsLeftUnreachable = 0;
  storedWithoutAnswer = 0;
  longestRunMs = 0;
  tightestMarginMs = Number.POSITIVE_INFINITY;
  failbacksToHigherCounters = 0;
  nodeChangesReported = 0;
  readonly outages = { rounds: 0, collections: 0, answered: 0, withGauges: 0, stateUnavailable: 0, counterDatums: 0, sessionsLost: 0 };
  private lastColdStart = -1;

  constructor(
    private readonly index: number,
    private readonly options: SoakOptions,
  ) {
    this.planner = new SoakPlanner(options.seed * 1000 + index, options.appliances, haPairIndex(options.appliances));
    this.hardenedPrng = new Prng(options.seed * 7907 + index);
  }

  async start(): Promise<void> {
    const moto = { endpoint: this.options.motoEndpoint, region: 'us-east-1' };
    const suffix = randomBytes(4).toString('hex');
    this.tableName = `soak-state-${this.index}-${suffix}`;
    this.namespace = `Soak/Lane${this.index}`;
    await new DynamoDBClient(moto).send(
      new CreateTableCommand({
        TableName: this.tableName,
        AttributeDefinitions: [{ AttributeName: 'appliance', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'appliance', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    for (let i = 0; i < this.options.appliances; i++) {
      const name = `soak-${this.index}-${i + 1}`;
      const password = newPassword(i);
      const profile = hardenedProfile(i, this.options.rounds);
      const sim = await startSimulator({
        seed: this.options.seed * 100 + this.index * 10 + i,
        password,
        clock: () => this.clock,
        ...profile.simulator,
      });
      const haPair = i === haPairIndex(this.options.appliances);
      if (haPair) {
        // Node A has been primary for days, every counter far above what B gathers while it answers: a failback
        // then lowers none of them, and only the node's identity tells it from activity.
        for (const [counter, value] of Object.entries(sim.getCounters()))
          if (COUNTERS.includes(counter)) sim.setCounter(counter, value + 1_000_000n);
        sim.haPair();
      }
      const secretId = `soak/${suffix}/${name}`;
      await new SecretsManagerClient(moto).send(
        new CreateSecretCommand({
          Name: secretId,
          SecretString: JSON.stringify({ username: sim.username, password, caCertificate: sim.caCertificate }),
        }),
      );
      this.allPasswords.add(password);
      this.appliances.push({
        name,
        sim,
        secretId,
        ledger: new ApplianceLedger(name, MAX_SAMPLE_AGE_MS),
        secretPassword: password,
        badCredentialsUntil: -1,
        downUntil: -1,
        vanished: new Map(),
        unknownFields: false,
        failedLogoutTags: new Set(),
        haPair,
        lastLoginOk: -1,
        lastLoginRefused: -1,
        lastRotation: -1,
        profile,
        firmware: profile.firmware,
        watch: new CredentialWatch(name),
        rejectionUnstored: false,
        rejectionForgotten: false,
      });
    }
    this.proxy = await startFaultProxy(this.options.motoEndpoint, (operation, _call, body) => this.faultFor(operation, body), {
      answerItself: ['PutMetricData'],
    });
    await this.coldStart();
  }

  async stop(): Promise<void> {
    if (this.deps) await endNitroSessions(this.deps.memory);
    await Promise.all(this.appliances.map((a) => a.sim.close()));
    await this.proxy?.stop();
  }

  private recordingReads(source: CredentialSource): CredentialSource {
    return {
      getCredentials: async (secretId, options) => {
        const credentials = await source.getCredentials(secretId, options);
        this.readPasswords.add(credentials.password);
        this.lastRead.set(secretId, credentials.password);
        return credentials;
      },
    };
  }

  /**
   * A new container: new SDK clients, an empty secret cache, no kept NITRO session. The old container's sessions are
   * logged out, as its shutdown does.
   */
  private async coldStart(): Promise<void> {
    if (this.deps) await endNitroSessions(this.deps.memory);
    for (const appliance of this.appliances) if (appliance.rejectionUnstored) appliance.rejectionForgotten = true;
    const settings = { ...AWS_SETTINGS, endpoint: this.proxy.endpoint };
    this.deps = {
      credentials: this.recordingReads(new SecretsManagerCredentialSource({ client: createSecretsManagerClient(settings) })),
      store: new DynamoDbSampleStore({ tableName: this.tableName, client: createDynamoDbClient(settings) }),
      // The credential backoff in the state item, as the handler has it: every cold start must obey it.
      rejections: new DynamoDbCredentialRejections({ tableName: this.tableName, client: createDynamoDbClient(settings) }),
      sink: new CloudWatchMetricSink({ namespace: this.namespace, client: createCloudWatchClient(settings), maxDatumsPerCall: 100 }),
      logger: this.logger,
      // A new container: a new memory (what the last one knew of rejections is gone with it).
      memory: createContainerMemory({ redactor: this.redactor }),
      now: () => this.clock,
      maxSampleAgeMs: MAX_SAMPLE_AGE_MS,
    };
  }

  private faultFor(operation: string, body: Buffer): InjectedFault | undefined {
    // The credential rejection's own writes are neither claim nor commit (no fault rule names them).
    const rejection = operation === 'UpdateItem' && body.includes('credentialRejection');
    const kind = rejection
      ? 'credential-rejection'
      : operation === 'UpdateItem'
        ? body.includes('REMOVE #leaseOwner')
          ? 'commit'
          : 'claim'
        : operation;
    const call = (this.callsThisRound.get(kind) ?? 0) + 1;
    this.callsThisRound.set(kind, call);
    const rule = this.rules.find(
      (r) =>
        (r.operation === kind || (r.operation === 'dynamodb' && DYNAMODB_OPERATIONS.has(operation))) &&
        (r.calls === 'all' || (r.calls === 'first' && call === 1) || (r.calls === 'second' && call === 2)),
    );
    if (rule) this.faults.add(rule.kind);
    return rule?.fault;
  }

  async round(round: number): Promise<void> {
    this.clock = this.t0 + (round + 1) * MINUTE;
    // The echoes of this round's faults: the password the collector sent (the secret's, until it has read one).
    const plan = this.planner.plan(
      round,
      this.appliances.map((a) => this.lastRead.get(a.secretId) ?? a.secretPassword),
    );
    if (this.options.trace)
      this.trace({
        lane: this.index,
        round,
        aws: plan.aws.map((r) => r.kind),
        coldStart: plan.coldStart,
        overlapping: plan.overlappingRuns,
        stateOutage: plan.stateOutage,
        sessionsLost: plan.sessionsLost,
        haSwitch: plan.appliances.map((p) => p.haSwitch),
        appliances: plan.appliances.map((p) => [
          p.nitroFault?.kind,
          p.reset,
          p.stateEdit,
          p.rotate || undefined,
          p.badCredentialsFor || undefined,
        ]),
      });
    if (plan.sessionsLost) {
      // With no fault injected (the last round's cleared, this round's not yet): the logouts must not use them up.
      this.outages.sessionsLost++;
      for (const appliance of this.appliances) appliance.sim.clearFaults();
      await endNitroSessions(this.deps.memory);
    }
    await this.prepareAppliances(round, plan);
    this.rules = plan.aws;
    this.callsThisRound = new Map();
    if (plan.coldStart) {
      this.faults.add('cold-start');
      this.lastColdStart = round;
      await this.coldStart();
    }
    const gaugesExpected = plan.stateOutage ? this.gaugesExpected(round, plan) : new Set<string>();
    if (plan.stateOutage) {
      this.faults.add('state-table-outage');
      this.outages.rounds++;
    }
    const configs: ApplianceConfig[] = this.appliances.map((a) => ({
      name: a.name,
      url: a.sim.url,
      secretId: a.secretId,
      ...(a.haPair && { haMode: this.index % 2 === 0 ? ('primary-only' as const) : ('any' as const) }),
      ...(a.profile.sessionTimeoutSeconds !== undefined && { sessionTimeoutSeconds: a.profile.sessionTimeoutSeconds }),
    }));
    const runs = plan.overlappingRuns ? 2 : 1;
    if (plan.overlappingRuns) this.faults.add('overlapping-runs');
    const results = await Promise.all(Array.from({ length: runs }, () => this.runOnce(configs, plan.remainingMs)));
    this.rules = [];
    const tally = new DeliveryTally();
    for (const run of results) if (run) await this.account(run, tally);
    if (plan.stateOutage) this.checkOutage(gaugesExpected, results);
    this.checkDelivery(tally);
    this.checkAppliances(round);
    this.checkLogs();
  }

  private async prepareAppliances(round: number, plan: RoundPlan): Promise<void> {
    for (const [index, appliance] of this.appliances.entries()) {
      const { sim } = appliance;
      const p = plan.appliances[index]!;
      sim.clearFaults();
      // Before this round's faults are injected: another client's logins must not use them up.
      await this.hardenedEvents(round, appliance);
      if (p.haSwitch) {
        this.faults.add(`ha-${p.haSwitch}`);
        const before = sim.getCounters();
        sim.haSwitch();
        const after = sim.getCounters();
        const lower = COUNTERS.some((c) => (after[c] ?? 0n) < (before[c] ?? 0n));
        if (p.haSwitch === 'failback' && !lower && COUNTERS.some((c) => (after[c] ?? 0n) > (before[c] ?? 0n)))
          this.failbacksToHigherCounters++;
      }
      if (p.reset) {
        this.faults.add(p.reset);
        if (p.reset === 'reboot') sim.reboot();
        else sim.clearStats();
      }
      const before = sim.getCounters();
      sim.advance(60);
      const after = sim.getCounters();
      const increase = new Map(COUNTERS.map((c) => [c, after[c]! - before[c]!]));

      if (p.rotate) {
        this.faults.add('rotation');
        appliance.lastRotation = round;
        const password = newPassword(round + index);
        this.allPasswords.add(password);
        sim.setCredentials(sim.username, password);
        await new SecretsManagerClient({ endpoint: this.options.motoEndpoint, region: 'us-east-1' }).send(
          new PutSecretValueCommand({
            SecretId: appliance.secretId,
            SecretString: JSON.stringify({ username: sim.username, password, caCertificate: sim.caCertificate }),
          }),
        );
        appliance.secretPassword = password;
        appliance.badCredentialsUntil = -1;
      } else if (p.badCredentialsFor > 0 && round >= appliance.badCredentialsUntil) {
        this.faults.add('bad-credentials');
        appliance.badCredentialsUntil = round + p.badCredentialsFor;
        sim.setCredentials(sim.username, `wrong-${randomBytes(6).toString('hex')}`);
      }
      if (appliance.badCredentialsUntil >= 0 && round >= appliance.badCredentialsUntil) {
        sim.setCredentials(sim.username, appliance.secretPassword);
        appliance.badCredentialsUntil = -1;
      }
      if (p.downFor > 0 && round >= appliance.downUntil) {
        this.faults.add('down-for-a-while');
        appliance.downUntil = round + p.downFor;
      }
      if (round < appliance.downUntil) sim.injectFault({ kind: 'reset' }, { on: 'login', times: 5 });
      else if (p.nitroFault) {
        this.faults.add(p.nitroFault.kind);
        sim.injectFault(p.nitroFault.fault, { on: p.nitroFault.on });
      }

      if (p.vanish) {
        this.faults.add('fields-vanish');
        for (const counter of p.vanish.counters) appliance.vanished.set(counter, round + p.vanish.rounds);
      }
      for (const [counter, until] of appliance.vanished) if (round >= until) appliance.vanished.delete(counter);
      if (p.addUnknownFields) {
        this.faults.add('fields-appear');
        appliance.unknownFields = true;
      }
      sim.resetFields();
      const absent = new Set(appliance.vanished.keys());
      // 13.1 sends no v1 fields: their counters start from their first sample after the upgrade.
      if (appliance.firmware === '13.1') for (const counter of V1_COUNTERS) absent.add(counter);
      sim.removeFields([...absent]);
      if (appliance.unknownFields) sim.addFields(UNKNOWN_FIELDS);
      if (p.corrupt) {
        this.faults.add(p.corrupt.withPassword ? 'password-in-field' : 'field-corrupted');
        const echoes = p.corrupt.withPassword && this.readPasswords.has(appliance.secretPassword);
        sim.setRawField(p.corrupt.counter, echoes ? appliance.secretPassword : 'n/a');
        absent.add(p.corrupt.counter);
      }
      appliance.ledger.recordRound(this.clock, increase, absent, p.reset !== undefined, p.haSwitch !== undefined);
      if (p.stateEdit) await this.editState(appliance.name, p.stateEdit);
    }
  }

  /** Edits the state item behind the collector's back (straight to moto), as a bad restore or a clock error would. */
  private async editState(appliance: string, edit: 'state-in-the-future' | 'lease-in-the-future'): Promise<void> {
    const client = new DynamoDBClient({ endpoint: this.options.motoEndpoint, region: 'us-east-1' });
    const far = String(this.clock + 30 * 24 * 3600_000);
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { appliance: { S: appliance } },
          ConditionExpression: 'attribute_exists(#takenAt)',
          UpdateExpression: edit === 'state-in-the-future' ? 'SET #takenAt = :far' : 'SET #leaseOwner = :owner, #leaseUntil = :far',
          ExpressionAttributeNames:
            edit === 'state-in-the-future'
              ? { '#takenAt': 'takenAt' }
              : { '#takenAt': 'takenAt', '#leaseOwner': 'leaseOwner', '#leaseUntil': 'leaseUntil' },
          ExpressionAttributeValues:
            edit === 'state-in-the-future' ? { ':far': { N: far } } : { ':far': { N: far }, ':owner': { S: 'restored-backup' } },
        }),
      );
      this.faults.add(edit);
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  /** The firmware upgrade of a 13.1 appliance, and another client locking the collector's user. */
  private async hardenedEvents(round: number, appliance: ApplianceState): Promise<void> {
    if (appliance.firmware === '13.1' && round === appliance.profile.upgradeAtRound) {
      this.faults.add('firmware-upgrade');
      appliance.firmware = '14.1';
      appliance.sim.setFirmware('14.1');
    }
    if (this.hardenedPrng.next() < FOREIGN_LOCKOUT_PROBABILITY && appliance.sim.lockedUntil() === undefined) {
      this.faults.add('foreign-lockout');
      // Another client's logins may meet a fault injected for this round (a reset): that is its problem, not the soak's.
      await lockOutUser(appliance.sim).catch(() => undefined);
    }
  }

  private async runOnce(appliances: ApplianceConfig[], remainingMs: number): Promise<RunResult | undefined> {
    this.runs++;
    const started = Date.now();
    let run: RunResult;
    try {
      run = await runCollection({ appliances, selection: this.selection, concurrency: 4, remainingMs }, this.deps);
    } catch (error) {
      if (!(error instanceof NothingPublishedError)) {
        this.violations.push(`lane ${this.index}: runCollection threw ${(error as Error).stack ?? String(error)}`);
        return undefined;
      }
      run = error.run;
    }
    const ended = Date.now();
    this.longestRunMs = Math.max(this.longestRunMs, ended - started);
    this.tightestMarginMs = Math.min(this.tightestMarginMs, run.budget.deadline - ended);
    if (ended > run.budget.deadline)
      this.violations.push(`lane ${this.index}: a run ended ${ended - run.budget.deadline} ms after its deadline`);
    return run;
  }

  /** Whether `appliance` is traced (`--trace all`: every appliance). */
  private traced(appliance: string | undefined): boolean {
    const wanted = this.options.trace?.appliance;
    return appliance !== undefined && (wanted === appliance || (wanted === 'all' && appliance.startsWith(`soak-${this.index}-`)));
  }

  private trace(entry: Record<string, unknown>): void {
    const trace = this.options.trace;
    if (trace)
      appendFileSync(
        trace.file,
        `${JSON.stringify({ at: new Date(this.clock).toISOString(), ...entry }, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Map ? v.size : v))}\n`,
      );
  }

  private async account(run: RunResult, tally: DeliveryTally): Promise<void> {
    for (const traced of this.appliances.map((a) => a.name).filter((name) => this.traced(name))) {
      const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
      const result = run.results.find((r) => r.appliance === traced);
      const commit = run.commits.find((c) => c.appliance === traced);
      const counter = run.deliveries.filter((d) => d.datum.appliance === traced && d.datum.metricName === 'SessionsCreated');
      this.trace({
        appliance: traced,
        run: run.budget.startedAt,
        outcome: result?.error?.errorClass ?? result?.outcome,
        message: result?.error?.message?.slice(0, 160),
        baseline: result?.baseline,
        previous: iso(result?.previousTakenAt),
        tookOver: result?.tookOverUnfinishedRun,
        repairs: result?.stateRepairs,
        held: result?.held && {
          takenAt: iso(result.held.takenAt),
          intervals: result.held.intervals.map((i) => [iso(i.takenAt), i.unanswered ?? 0, i.deltas.size]),
        },
        dropped: result?.droppedIncreases?.map((i) => [iso(i.takenAt), i.unanswered ?? 0]),
        commit: commit && { outcome: commit.outcome, dropped: commit.dropped?.map((i) => [iso(i.takenAt), i.unanswered ?? 0]) },
        sessionsCreated: counter.map((d) => [iso(d.datum.timestamp), d.outcome]),
      });
    }
    this.uncertainDatapoints += run.summary.uncertainDatapoints ?? 0;
    const uncommitted = new Set(run.commits.filter((c) => c.outcome !== 'committed').map((c) => c.appliance));
    for (const { datum, outcome } of run.deliveries) {
      if (outcome === 'published') this.datapointsPublished++;
      if (outcome === 'published' || outcome === 'uncertain') tally.seen(datumKey(datum), outcome);
      // The documented windows: sent without an answer, or published by a run that could not commit.
      if (datum.counter !== undefined && (outcome === 'uncertain' || (outcome === 'published' && uncommitted.has(datum.appliance))))
        this.ledgerOf(datum.appliance).recordSecondCountAllowed(datum.counter, datum.timestamp);
    }
    for (const datum of run.datums) if (datum.metricName === HEALTH_METRICS.nodeChanges && datum.value === 1) this.nodeChangesReported++;
    for (const result of run.results) {
      this.collections++;
      this.outcomes.add(result.error?.errorClass ?? result.outcome);
      const ledger = this.ledgerOf(result.appliance);
      for (const interval of result.droppedIncreases ?? [])
        for (const counter of interval.deltas.keys()) ledger.recordDropped(counter, interval.takenAt);
      if (result.stateRepairs) this.stateRepairs++;
      if (result.held && result.baseline === 'first-sample') ledger.recordRebaseline(result.held.takenAt);
    }
    for (const commit of run.commits) {
      for (const interval of commit.dropped ?? [])
        for (const counter of interval.deltas.keys()) this.ledgerOf(commit.appliance).recordDropped(counter, interval.takenAt);
    }
  }

  /**
   * The appliances that must publish their gauges in this outage round: this container has logged in to them
   * since its cold start, since their last rotation and since their last refused login (it knows their secret
   * version works: the credential gate lets it log in without the table), and nothing else planned for this
   * round stands in the way (a NITRO fault, a rotation, wrong credentials, a locked user, a spell of downtime).
   */
  private gaugesExpected(round: number, plan: RoundPlan): Set<string> {
    const expected = new Set<string>();
    for (const [index, appliance] of this.appliances.entries()) {
      const p = plan.appliances[index]!;
      const known =
        appliance.lastLoginOk >= 0 &&
        appliance.lastLoginOk >= this.lastColdStart &&
        appliance.lastLoginOk >= appliance.lastRotation &&
        appliance.lastLoginOk > appliance.lastLoginRefused;
      const locked = (appliance.sim.lockedUntil() ?? 0) > this.clock;
      if (
        known &&
        !plan.coldStart &&
        p.nitroFault === undefined &&
        !p.rotate &&
        appliance.badCredentialsUntil < 0 &&
        round >= appliance.downUntil &&
        !locked
      )
        expected.add(appliance.name);
    }
    return expected;
  }

  /**
   * A round in which the state table refused every call: no run may publish a counter increase (the table's
   * baseline holds them for the first run that reaches it, checked by the ledger); every appliance of `expected`
   * publishes its gauges, and every one that publishes gauges publishes StateUnavailable 1.
   */
  private checkOutage(expected: ReadonlySet<string>, runs: readonly (RunResult | undefined)[]): void {
    for (const appliance of this.appliances) {
      const answered = expected.has(appliance.name);
      if (answered) this.outages.answered++;
      let gauges = false;
      let unavailable = false;
      for (const run of runs) {
        if (!run) continue;
        const own = run.datums.filter((d) => d.appliance === appliance.name);
        if (run.results.some((r) => r.appliance === appliance.name)) this.outages.collections++;
        const counters = own.filter((d) => d.counter !== undefined);
        this.outages.counterDatums += counters.length;
        if (counters.length > 0)
          this.violations.push(`${appliance.name}: ${counters.length} counter datums published while the state table refused every call`);
        gauges ||= own.some((d) => GAUGES.has(d.metricName));
        unavailable ||= own.some((d) => d.metricName === STATE_HEALTH_METRICS.stateUnavailable && d.value === 1);
      }
      if (gauges) this.outages.withGauges++;
      if (unavailable) this.outages.stateUnavailable++;
      if (answered && !gauges)
        this.violations.push(
          `${appliance.name}: no gauge published during a state table outage, by a container that knows its credentials work`,
        );
      if (gauges && !unavailable)
        this.violations.push(`${appliance.name}: gauges published during a state table outage without StateUnavailable 1`);
    }
  }

  private readItem(appliance: string) {
    return new DynamoDBClient({ endpoint: this.options.motoEndpoint, region: 'us-east-1' })
      .send(new GetItemCommand({ TableName: this.tableName, Key: { appliance: { S: appliance } }, ConsistentRead: true }))
      .then((response) => response.Item);
  }

  private ledgerOf(appliance: string): ApplianceLedger {
    return this.appliances.find((a) => a.name === appliance)!.ledger;
  }

  private checkDelivery(tally: DeliveryTally): void {
    const applied = this.proxy.applied.slice(this.appliedSeen);
    this.appliedSeen = this.proxy.applied.length;
    for (const call of applied) {
      if (call.operation !== 'UpdateItem') continue;
      const body = JSON.parse(call.body.toString('utf8')) as {
        Key?: { appliance?: { S?: string } };
        UpdateExpression?: string;
        ExpressionAttributeValues?: Record<string, { N?: string }>;
      };
      const takenAt = body.ExpressionAttributeValues?.[':takenAt']?.N;
      const appliance = body.Key?.appliance?.S;
      if (body.UpdateExpression === 'SET #rejection = :rejection') {
        const state = this.appliances.find((a) => a.name === appliance);
        if (state) state.rejectionUnstored = false;
      }
      if (body.UpdateExpression?.includes('#takenAt = :takenAt') && takenAt !== undefined && appliance !== undefined) {
        this.appliances.find((a) => a.name === appliance)?.ledger.recordStateWrite(Number(takenAt));
        if (this.traced(appliance))
          this.trace({
            appliance,
            stateWrite: new Date(Number(takenAt)).toISOString(),
            keepLease: !body.UpdateExpression.includes('REMOVE'),
          });
      }
    }
    for (const datum of storedDatums(applied)) {
      tally.stored(datumKey(datum));
      const counter = COUNTER_OF_METRIC.get(datum.metricName);
      if (counter !== undefined)
        this.appliances.find((a) => a.name === datum.appliance)?.ledger.recordStored(counter, datum.timestamp, datum.value);
      if (!Number.isFinite(datum.value) || datum.value < 0)
        this.violations.push(`lane ${this.index}: CloudWatch got ${datum.value} for ${datum.metricName} of ${datum.appliance}`);
    }
    const { violations, storedUnanswered } = tally.check();
    this.violations.push(...violations);
    this.storedWithoutAnswer += storedUnanswered;
  }

  private checkAppliances(round: number): void {
    for (const appliance of this.appliances) {
      const requests = appliance.sim.requests();
      appliance.sim.clearRequests();
      const forgotten = () => {
        const was = appliance.rejectionForgotten;
        appliance.rejectionForgotten = false;
        return was;
      };
      this.violations.push(...appliance.watch.check(requests, forgotten));
      // A session the collector could not end: its login's answer never reached it (no token to log out with), or
      // its logout never reached the appliance (timed out on the collector's side, logged as "logout failed").
      const lines = this.logger.lines.filter((line) => line.includes(`"appliance":"${appliance.name}"`));
      const unreachable = lines.some((line) => line.includes('logout failed') || line.includes(`${appliance.name}: login to `));
      for (const request of requests) {
        if (request.path.endsWith('/login')) {
          if (request.status === 200 || request.status === 201) appliance.lastLoginOk = round;
          else appliance.lastLoginRefused = round;
        }
        if (request.query !== '')
          this.violations.push(`${appliance.name}: a request carried a query string (${request.path}?${request.query})`);
        if (request.path.endsWith('/logout') && request.sessionTag && request.status !== 200 && request.status !== 201)
          appliance.failedLogoutTags.add(request.sessionTag);
      }
      // The session the container keeps for its next run (at most one per appliance) is open on purpose.
      let keptAllowance = this.deps.memory.nitroSessions.isKept(appliance.name) ? 1 : 0;
      const loggedInNow = new Set(requests.filter((r) => r.path.endsWith('/login') && r.sessionTag).map((r) => r.sessionTag));
      for (const tag of appliance.sim.openSessionTags()) {
        if (keptAllowance > 0 && !appliance.failedLogoutTags.has(tag)) {
          keptAllowance--;
          continue;
        }
        if (unreachable && loggedInNow.has(tag) && !appliance.failedLogoutTags.has(tag)) {
          appliance.failedLogoutTags.add(tag);
          this.sessionsLeftUnreachable++;
        }
        if (!appliance.failedLogoutTags.has(tag))
          this.violations.push(`${appliance.name}: round ${round}: session ${tag} is open and its logout was never attempted`);
      }
    }
  }

  private checkLogs(): void {
    const forms = [...this.allPasswords].flatMap((password) => {
      const escaped = JSON.stringify(password).slice(1, -1);
      return [password, escaped, ...windows(escaped, 12)];
    });
    for (const line of this.logger.lines) {
      if (line.includes('the credential rejection could not be stored'))
        for (const appliance of this.appliances) if (line.includes(`"appliance":"${appliance.name}"`)) appliance.rejectionUnstored = true;
      const leaked = forms.find((form) => line.includes(form));
      if (leaked !== undefined) this.violations.push(`lane ${this.index}: a log line holds (part of) a password: ${line.slice(0, 200)}`);
      if (Buffer.byteLength(line) > MAX_LOG_LINE_BYTES)
        this.violations.push(`lane ${this.index}: a log line of ${Buffer.byteLength(line)} bytes: ${line.slice(0, 200)}`);
      this.longestLogLine = Math.max(this.longestLogLine, Buffer.byteLength(line));
      // Every encoding of the passwords the appliances hold now and of the ones the collector sent them (they echo those).
      for (const appliance of this.appliances) {
        for (const password of new Set([appliance.secretPassword, this.lastRead.get(appliance.secretId) ?? appliance.secretPassword])) {
          const encoded = leaks(line, appliance.sim.username, password);
          if (encoded.length > 0)
            this.violations.push(`lane ${this.index}: a log line holds an encoding of a password (${encoded[0]}): ${line.slice(0, 200)}`);
        }
      }
    }
    this.logger.lines.length = 0;
  }

  /** The conservation check, against the unpublished increases the state items hold at the end. */
  async finish(): Promise<void> {
    for (const appliance of this.appliances) {
      const item = await this.readItem(appliance.name);
      const carried = new Set<string>();
      for (const entry of item?.['unpublished']?.L ?? []) {
        for (const counter of Object.keys(entry.M?.['deltas']?.M ?? {})) carried.add(`${counter}@${entry.M?.['takenAt']?.N}`);
      }
      this.violations.push(...appliance.ledger.check(carried));
      for (const counter of COUNTERS) {
        const { truth, committed } = appliance.ledger.activity(counter);
        if (committed > truth)
          this.violations.push(
            `${appliance.name} ${counter}: CloudWatch holds ${committed} over committed intervals, more than the true activity ${truth}`,
          );
      }
    }
  }

  haLedgers(): ApplianceLedger[] {
    return this.appliances.filter((a) => a.haPair).map((a) => a.ledger);
  }

  credentialFigures(): SoakReport['credentials'] {
    const refusals = this.appliances.map((a) => a.sim.loginRefusals());
    return {
      failedLogins: refusals.reduce((t, r) => t + r.failedLogins, 0),
      lockedRefusals: refusals.reduce((t, r) => t + r.lockedRefusals, 0),
      loginsWithRejectedPassword: this.appliances.reduce((t, a) => t + a.watch.loginsWithRejectedPassword, 0),
      loginsAfterForgottenRejection: this.appliances.reduce((t, a) => t + a.watch.loginsAfterForgottenRejection, 0),
    };
  }

  ledgers(): ApplianceLedger[] {
    return this.appliances.map((a) => a.ledger);
  }
}

function windows(text: string, length: number): string[] {
  if (text.length <= length) return [];
  return Array.from({ length: text.length - length + 1 }, (_, i) => text.slice(i, i + length));
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'soak',
    AWS_SECRET_ACCESS_KEY: 'soak',
    AWS_REGION: 'us-east-1',
    AWS_DISABLE_REQUEST_COMPRESSION: 'true',
  });
  const lanes = Array.from({ length: options.lanes }, (_, i) => new Lane(i, options)).filter(
    (_, i) => options.onlyLane === undefined || i === options.onlyLane,
  );
  try {
    await Promise.all(lanes.map((lane) => lane.start()));
    await Promise.all(
      lanes.map(async (lane, index) => {
        for (let round = 0; round < options.rounds; round++) {
          await lane.round(round);
          if (index === 0 && options.progress && (round + 1) % (options.progressEvery ?? 1000) === 0) options.progress(round + 1);
        }
        await lane.finish();
      }),
    );
  } finally {
    await Promise.all(lanes.map((lane) => lane.stop()));
  }
  const merge = (pick: (lane: Lane) => Record<string, number>) => {
    const merged: Record<string, number> = {};
    for (const lane of lanes) for (const [kind, count] of Object.entries(pick(lane))) merged[kind] = (merged[kind] ?? 0) + count;
    return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
  };
  const sum = (pick: (lane: Lane) => number) => lanes.reduce((total, lane) => total + pick(lane), 0);
  const ledgers = lanes.flatMap((lane) => lane.ledgers());
  return {
    rounds: options.rounds * lanes.length,
    runs: sum((l) => l.runs),
    collections: sum((l) => l.collections),
    outcomes: merge((l) => l.outcomes.counts),
    faults: merge((l) => l.faults.counts),
    violations: lanes.flatMap((lane) => lane.violations),
    figures: {
      datapointsPublished: sum((l) => l.datapointsPublished),
      uncertainDatapoints: sum((l) => l.uncertainDatapoints),
      storedWithoutAnswer: sum((l) => l.storedWithoutAnswer),
      excusedResets: ledgers.reduce((t, l) => t + l.counts.excusedResets, 0),
      excusedStaleCounters: ledgers.reduce((t, l) => t + l.counts.excusedStale, 0),
      excusedRebaselines: ledgers.reduce((t, l) => t + l.counts.excusedRebaselines, 0),
      committedIntervals: ledgers.reduce((t, l) => t + l.counts.committedIntervals, 0),
      increasesChecked: ledgers.reduce((t, l) => t + l.counts.checked, 0),
      secondCounts: ledgers.reduce((t, l) => t + l.counts.secondCounts, 0),
      increasesDropped: ledgers.reduce((t, l) => t + l.counts.dropped, 0),
      droppedNeverStored: ledgers.reduce((t, l) => t + l.counts.droppedUnstored, 0),
      stateRepairs: sum((l) => l.stateRepairs),
      sessionsLeftUnreachable: sum((l) => l.sessionsLeftUnreachable),
      longestLogLineBytes: Math.max(...lanes.map((l) => l.longestLogLine)),
      longestRunMs: Math.max(...lanes.map((l) => l.longestRunMs)),
      tightestMarginMs: Math.min(...lanes.map((l) => l.tightestMarginMs)),
      durationMs: Date.now() - started,
      excusedNodeChanges: ledgers.reduce((t, l) => t + l.counts.excusedNodeChanges, 0),
    },
    ha: {
      failovers: merge((l) => l.faults.counts)['ha-failover'] ?? 0,
      failbacks: merge((l) => l.faults.counts)['ha-failback'] ?? 0,
      failbacksToHigherCounters: sum((l) => l.failbacksToHigherCounters),
      nodeChangesReported: sum((l) => l.nodeChangesReported),
      ...haActivity(lanes.flatMap((lane) => lane.haLedgers())),
    },
    outages: {
      rounds: sum((l) => l.outages.rounds),
      collections: sum((l) => l.outages.collections),
      answered: sum((l) => l.outages.answered),
      withGauges: sum((l) => l.outages.withGauges),
      stateUnavailable: sum((l) => l.outages.stateUnavailable),
      counterDatums: sum((l) => l.outages.counterDatums),
      sessionsLost: sum((l) => l.outages.sessionsLost),
    },
    credentials: {
      failedLogins: lanes.reduce((t, l) => t + l.credentialFigures().failedLogins, 0),
      lockedRefusals: lanes.reduce((t, l) => t + l.credentialFigures().lockedRefusals, 0),
      loginsWithRejectedPassword: lanes.reduce((t, l) => t + l.credentialFigures().loginsWithRejectedPassword, 0),
      loginsAfterForgottenRejection: lanes.reduce((t, l) => t + l.credentialFigures().loginsAfterForgottenRejection, 0),
    },
  };
}

function haActivity(ledgers: readonly ApplianceLedger[]) {
  const totals = { sessionsCreatedTrue: 0n, sessionsCreatedCommitted: 0n, sessionsCreatedStored: 0n };
  for (const ledger of ledgers) {
    const { truth, committed, total } = ledger.activity(SESSIONS_CREATED);
    totals.sessionsCreatedTrue += truth;
    totals.sessionsCreatedCommitted += committed;
    totals.sessionsCreatedStored += total;
  }
  return totals;
}
