/**
 * The state of each appliance between runs, in DynamoDB: its last sample and the increases CloudWatch has not
 * confirmed yet.
 *
 * A run takes the item with a lease before it publishes, and commits the new state (which also releases the
 * lease) after it published. Two overlapping runs can therefore never both publish the same increase, and an
 * increase leaves the item only once CloudWatch confirmed it. Both writes are one conditional UpdateItem each.
 *
 * Item layout (schemaVersion 3), a contract with the deployed table (partition key `appliance`, String):
 *   appliance     S  the appliance name
 *   takenAt       N  when the last committed sample was taken, epoch milliseconds
 *   counters      B  the sample's counters, exact, in the compact encoding of core/counter-codec.ts (a counter's
 *                    stable id from core/state-counter-ids.ts and its value as a varint; counters exceed 2^53)
 *   heldSince     M  counter name -> N: for counters the last sample lacked, when their value was taken
 *   unpublished   L  of M {takenAt N, deltas M name -> S, unanswered? N}: increases not confirmed by CloudWatch,
 *                    oldest first (entries with the same takenAt and unanswered are read as one, summed)
 *   updatedAt     S  ISO 8601 time of the last commit
 *   committedBy   S  the run that made the last commit
 *   schemaVersion N  3
 *   leaseOwner    S  while a run holds the item: its id
 *   leaseUntil    N  while a run holds the item: epoch ms after which another run may take it over
 *   pendingTakenAt N, pendingCounters B (the encoding of counters), pendingNodeTranstime S (optional): while a
 *                    run holds the item, the sample it claimed with and the HA node that answered it
 *   nodeTranstime S  optional: the HA node's `transtime` when the sample was taken (core/node-identity.ts); items
 *                    without it (written before, or by a standalone appliance) read as a node not known
 *   expiresAt     N  epoch seconds, refreshed by every claim and commit: DynamoDB's TTL removes the items of
 *                    appliances no run collects any more (core/state-rules.ts STATE_TTL_SECONDS)
 *
 * Older items are read as well, and the next commit rewrites them in version 3: version 2 kept `counters` and
 * `pendingCounters` as M (NITRO counter name -> S, the exact decimal value), version 1 had no heldSince and no
 * unpublished either. Counters are read by their type (B or M), whatever the version: a lease an older release
 * took on a version 3 item holds an M. An item of a newer version is not used (a new baseline).
 *
 * Size: while a run holds the item (the committed and the pending sample, nothing unpublished) 1.0 KB with 73
 * counters of 10 digits (1.1 KB in an HA pair) and 1.9 KB with every counter at 2^63 or more, so the claim and the
 * commit bill 2 write units each (test/integration/state-item-size.test.ts measures it). counters and heldSince hold catalog counters only (73),
 * unpublished at most MAX_UNPUBLISHED_INTERVALS entries of them: under 150 KB however long CloudWatch or commits
 * fail, within DynamoDB's 400 KB item limit by design.
 */
import { type AttributeValue, ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { STATE_TABLE_PARTITION_KEY, STATE_TTL_ATTRIBUTE } from '../config/environment.js';
import { decodeCounters, encodeCounters } from '../core/counter-codec.js';
import type { ClaimRequest, ClaimResult, CommitResult, SampleStore, StoredState, TakenOver } from '../core/ports.js';
import { claimRequestProblem, storedStateProblem } from '../core/state-checks.js';
import { expiresAt, latestPlausibleTakenAt, MAX_LEASE_MS } from '../core/state-rules.js';
import { CollectorError } from '../errors.js';
import { createDynamoDbClient } from './clients.js';

export { STATE_TABLE_PARTITION_KEY, STATE_TTL_ATTRIBUTE };
export const STATE_SCHEMA_VERSION = 3;
const READABLE_SCHEMA_VERSIONS: ReadonlySet<number> = new Set([1, 2, 3]);

export interface DynamoDbSampleStoreOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
  /** Epoch milliseconds, for `updatedAt`; injected by tests. */
  readonly now?: () => number;
}

const DECIMAL_INTEGER = /^\d+$/;
const NAMES = {
  '#takenAt': 'takenAt',
  '#counters': 'counters',
  '#heldSince': 'heldSince',
  '#unpublished': 'unpublished',
  '#updatedAt': 'updatedAt',
  '#committedBy': 'committedBy',
  '#schemaVersion': 'schemaVersion',
  '#leaseOwner': 'leaseOwner',
  '#leaseUntil': 'leaseUntil',
  '#pendingTakenAt': 'pendingTakenAt',
  '#pendingCounters': 'pendingCounters',
  '#expiresAt': STATE_TTL_ATTRIBUTE,
  '#nodeTranstime': 'nodeTranstime',
  '#pendingNodeTranstime': 'pendingNodeTranstime',
} as const;
type Name = keyof typeof NAMES;

/** ExpressionAttributeNames for the given placeholders (also the bench's raw floor requests, scripts/bench/bare-aws.ts). */
export function names(...used: Name[]): Record<string, string> {
  return Object.fromEntries(used.map((name) => [name, NAMES[name]]));
}

export class DynamoDbSampleStore implements SampleStore {
  private readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly now: () => number;

  constructor(options: DynamoDbSampleStoreOptions) {
    if (options.tableName.length === 0) throw new CollectorError('configuration', 'the state table name is empty');
    this.tableName = options.tableName;
    this.client = options.client ?? createDynamoDbClient();
    this.now = options.now ?? Date.now;
  }

  async claim(appliance: string, request: ClaimRequest, options: { signal?: AbortSignal } = {}): Promise<ClaimResult> {
    const problem = claimRequestProblem(request);
    if (problem !== undefined) throw new CollectorError('internal', `${appliance}: ${problem}`, { appliance });
    const claimed = claimedAttributes(request);
    const pendingNode = request.node ? ', #pendingNodeTranstime = :pendingNode' : ' REMOVE #pendingNodeTranstime';
    try {
      const response = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [STATE_TABLE_PARTITION_KEY]: { S: appliance } },
          UpdateExpression: `SET #leaseOwner = :owner, #leaseUntil = :leaseUntil, #pendingTakenAt = :takenAt, #pendingCounters = :counters, #expiresAt = :expiresAt${pendingNode}`,
          // Free, expired (or unreadable, or longer than any run can hold), or already ours (a retried claim whose
          // first answer was lost); and nothing newer stored, unless "newer" lies in the future (a corrupt item).
          // An item whose takenAt is not a number cannot be compared: it is taken over.
          ConditionExpression:
            '(attribute_not_exists(#leaseOwner) OR #leaseOwner = :owner OR NOT attribute_type(#leaseUntil, :number) OR #leaseUntil < :now OR #leaseUntil > :leaseLimit) ' +
            'AND (attribute_not_exists(#takenAt) OR NOT attribute_type(#takenAt, :number) OR #takenAt < :takenAt OR #takenAt > :futureLimit)',
          ExpressionAttributeNames: names(
            '#leaseOwner',
            '#leaseUntil',
            '#takenAt',
            '#pendingTakenAt',
            '#pendingCounters',
            '#expiresAt',
            '#pendingNodeTranstime',
          ),
          ExpressionAttributeValues: {
            ':owner': claimed.leaseOwner,
            ':leaseUntil': claimed.leaseUntil,
            ':now': { N: String(request.now) },
            ':leaseLimit': { N: String(request.now + MAX_LEASE_MS) },
            ':takenAt': claimed.pendingTakenAt,
            ':futureLimit': { N: String(latestPlausibleTakenAt(request.now)) },
            ':counters': claimed.pendingCounters,
            ':expiresAt': claimed.expiresAt,
            ':number': { S: 'N' },
            ...(claimed.pendingNodeTranstime ? { ':pendingNode': claimed.pendingNodeTranstime } : {}),
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: options.signal },
      );
      const old = response.Attributes;
      const previous = old === undefined ? undefined : stateOf(old);
      const formerOwner = old?.['leaseOwner']?.S;
      return {
        outcome: 'claimed',
        ...(previous ? { previous } : {}),
        ...(old !== undefined && formerOwner !== undefined && formerOwner !== request.owner
          ? { takenOver: takenOverFrom(formerOwner, old, request.now) }
          : {}),
        ...(formerOwner === request.owner ? { retried: true } : {}),
      };
    } catch (error) {
      const item = conditionFailureItem(error);
      if (item !== undefined) {
        const owner = item['leaseOwner']?.S;
        const until = Number(item['leaseUntil']?.N);
        const live = until >= request.now && until <= request.now + MAX_LEASE_MS;
        return owner !== undefined && owner !== request.owner && live ? { outcome: 'busy' } : { outcome: 'superseded' };
      }
      throw this.failure(appliance, 'claiming the state item', error);
    }
  }

  async commit(
    appliance: string,
    owner: string,
    state: StoredState,
    options: { signal?: AbortSignal; keepLease?: boolean } = {},
  ): Promise<CommitResult> {
    const problem = storedStateProblem(state);
    if (problem !== undefined) throw new CollectorError('internal', `${appliance}: ${problem}`, { appliance });
    const committed = committedAttributes(state, owner, this.now());
    const values: Record<string, AttributeValue> = {
      ':takenAt': committed.takenAt,
      ':counters': committed.counters,
      ':heldSince': committed.heldSince,
      ':unpublished': committed.unpublished,
      ':schemaVersion': committed.schemaVersion,
      ':updatedAt': committed.updatedAt,
      ':owner': committed.committedBy,
      ':expiresAt': committed.expiresAt,
      ...(committed.nodeTranstime ? { ':nodeTranstime': committed.nodeTranstime } : {}),
    };
    const removed = [
      ...(options.keepLease === true ? [] : ['#leaseOwner', '#leaseUntil', '#pendingTakenAt', '#pendingCounters', '#pendingNodeTranstime']),
      ...(state.node ? [] : ['#nodeTranstime']),
    ];
    const release = removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : '';
    const setNode = state.node ? ', #nodeTranstime = :nodeTranstime' : '';
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [STATE_TABLE_PARTITION_KEY]: { S: appliance } },
          UpdateExpression:
            'SET #takenAt = :takenAt, #counters = :counters, #heldSince = :heldSince, #unpublished = :unpublished, ' +
            `#updatedAt = :updatedAt, #committedBy = :owner, #schemaVersion = :schemaVersion, #expiresAt = :expiresAt${setNode}${release}`,
          ConditionExpression: '#leaseOwner = :owner',
          ExpressionAttributeNames: names(
            '#expiresAt',
            ...(options.keepLease === true
              ? []
              : (['#leaseUntil', '#pendingTakenAt', '#pendingCounters', '#pendingNodeTranstime'] as const)),
            '#takenAt',
            '#counters',
            '#heldSince',
            '#unpublished',
            '#updatedAt',
            '#committedBy',
            '#schemaVersion',
            '#leaseOwner',
            '#nodeTranstime',
          ),
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: options.signal },
      );
      return { outcome: 'committed' };
    } catch (error) {
      const item = conditionFailureItem(error);
      if (item !== undefined) {
        // Our own earlier attempt of this commit went through and its answer was lost: nothing to do.
        const ours = item['committedBy']?.S === owner && item['takenAt']?.N === String(state.takenAt);
        return ours ? { outcome: 'committed' } : { outcome: 'lease-lost' };
      }
      throw this.failure(appliance, 'committing the state item', error);
    }
  }

  private failure(appliance: string, what: string, error: unknown): CollectorError {
    const name = error instanceof Error ? error.name : 'Error';
    const detail = error instanceof Error ? error.message : String(error);
    return new CollectorError('state-error', `${appliance}: ${what} in state table ${this.tableName} failed: ${name}: ${detail}`, {
      appliance,
      cause: error,
    });
  }
}

/** The item as it was when the condition failed ({} when DynamoDB did not return it); undefined for other errors. */
function conditionFailureItem(error: unknown): Record<string, AttributeValue> | undefined {
  if (error instanceof ConditionalCheckFailedException) return error.Item ?? {};
  if (error instanceof Error && error.name === 'ConditionalCheckFailedException')
    return (error as { Item?: Record<string, AttributeValue> }).Item ?? {};
  return undefined;
}

/** What a claim SETs: the lease, and the sample the run claimed with. */
interface ClaimedAttributes {
  readonly leaseOwner: AttributeValue;
  readonly leaseUntil: AttributeValue;
  readonly pendingTakenAt: AttributeValue;
  readonly pendingCounters: AttributeValue;
  readonly pendingNodeTranstime?: AttributeValue;
  readonly expiresAt: AttributeValue;
}

/** What a commit SETs. */
interface CommittedAttributes {
  readonly takenAt: AttributeValue;
  readonly counters: AttributeValue;
  readonly heldSince: AttributeValue;
  readonly unpublished: AttributeValue;
  readonly updatedAt: AttributeValue;
  readonly committedBy: AttributeValue;
  readonly schemaVersion: AttributeValue;
  readonly nodeTranstime?: AttributeValue;
  readonly expiresAt: AttributeValue;
}

function claimedAttributes(request: ClaimRequest): ClaimedAttributes {
  return {
    leaseOwner: { S: request.owner },
    leaseUntil: { N: String(request.leaseUntil) },
    pendingTakenAt: { N: String(request.takenAt) },
    pendingCounters: { B: encodeCounters(request.counters) },
    ...(request.node ? { pendingNodeTranstime: { S: request.node.transtime } } : {}),
    expiresAt: { N: String(expiresAt(request.now)) },
  };
}

function committedAttributes(state: StoredState, owner: string, now: number): CommittedAttributes {
  return {
    takenAt: { N: String(state.takenAt) },
    counters: { B: encodeCounters(state.counters) },
    heldSince: { M: Object.fromEntries([...state.heldSince].map(([name, since]) => [name, { N: String(since) }])) },
    unpublished: {
      L: state.unpublished.map((interval) => ({
        M: {
          takenAt: { N: String(interval.takenAt) },
          deltas: { M: exactValues(interval.deltas) },
          ...(interval.unanswered ? { unanswered: { N: String(interval.unanswered) } } : {}),
        },
      })),
    },
    updatedAt: { S: new Date(now).toISOString() },
    committedBy: { S: owner },
    schemaVersion: { N: String(STATE_SCHEMA_VERSION) },
    ...(state.node ? { nodeTranstime: { S: state.node.transtime } } : {}),
    expiresAt: { N: String(expiresAt(now)) },
  };
}

/**
 * The whole item as this code writes it: committed by `commit` (its owner's commit at `now`) and, with `claim`,
 * while a run holds it (the claim made after that commit). The layout in one place, for measuring the item
 * (scripts/cost-estimate.ts; test/integration/state-item-size.test.ts holds it to what DynamoDB stores).
 */
export function stateItem(
  appliance: string,
  commit: { readonly state: StoredState; readonly owner: string; readonly now: number },
  claim?: ClaimRequest,
): Record<string, AttributeValue> {
  return {
    [STATE_TABLE_PARTITION_KEY]: { S: appliance },
    ...committedAttributes(commit.state, commit.owner, commit.now),
    ...(claim ? claimedAttributes(claim) : {}),
  };
}

function exactValues(values: ReadonlyMap<string, bigint>): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, value] of values) {
    attributes[name] = { S: value.toString() };
  }
  return attributes;
}

/**
 * The stored state, or undefined when the item holds none this code can use (no valid takenAt, or a schema
 * version it does not know). Values that are not what this code writes are left out, never guessed.
 */
function stateOf(item: Record<string, AttributeValue>): StoredState | undefined {
  const schemaVersion = item['schemaVersion']?.N;
  if (schemaVersion !== undefined && !READABLE_SCHEMA_VERSIONS.has(Number(schemaVersion))) return undefined;
  const takenAt = epochMs(item['takenAt']);
  if (takenAt === undefined) return undefined;
  const heldSince = new Map<string, number>();
  for (const [name, value] of Object.entries(item['heldSince']?.M ?? {})) {
    const since = epochMs(value);
    if (since !== undefined) heldSince.set(name, since);
  }
  // Entries with the same time and the same unanswered count are one interval (summed): none is lost.
  const unpublished = new Map<string, { takenAt: number; deltas: Map<string, bigint>; unanswered: number }>();
  for (const entry of item['unpublished']?.L ?? []) {
    const intervalTakenAt = epochMs(entry.M?.['takenAt']);
    const deltas = exactMap(entry.M?.['deltas']);
    const unanswered = epochMs(entry.M?.['unanswered']) ?? 0;
    if (intervalTakenAt === undefined || deltas.size === 0) continue;
    const key = `${intervalTakenAt}/${unanswered}`;
    const same = unpublished.get(key);
    if (same === undefined) unpublished.set(key, { takenAt: intervalTakenAt, deltas, unanswered });
    else for (const [counter, delta] of deltas) same.deltas.set(counter, (same.deltas.get(counter) ?? 0n) + delta);
  }
  const nodeTranstime = item['nodeTranstime']?.S;
  return {
    takenAt,
    ...(nodeTranstime ? { node: { transtime: nodeTranstime } } : {}),
    counters: countersOf(item['counters']) ?? new Map(),
    heldSince,
    unpublished: [...unpublished.values()]
      .sort((a, b) => a.takenAt - b.takenAt)
      .map(({ unanswered, ...interval }) => (unanswered > 0 ? { ...interval, unanswered } : interval)),
  };
}

function takenOverFrom(owner: string, old: Record<string, AttributeValue>, now: number): TakenOver {
  const pendingTakenAt = epochMs(old['pendingTakenAt']);
  const pendingCounters = countersOf(old['pendingCounters']);
  const until = Number(old['leaseUntil']?.N);
  return {
    owner,
    ...(pendingTakenAt !== undefined && pendingCounters !== undefined
      ? {
          pending: {
            takenAt: pendingTakenAt,
            counters: pendingCounters,
            ...(old['pendingNodeTranstime']?.S ? { node: { transtime: old['pendingNodeTranstime'].S } } : {}),
          },
        }
      : {}),
    ...(until > now + MAX_LEASE_MS ? { impossibleLease: true } : {}),
  };
}

/**
 * Stored counters: Binary in the compact encoding (schemaVersion 3, core/counter-codec.ts), or a Map of decimal
 * strings as releases before it wrote them (an item not rewritten yet, or a lease an older release took). Undefined
 * when there are none, or bytes that are not the encoding.
 */
function countersOf(attribute: AttributeValue | undefined): Map<string, bigint> | undefined {
  if (attribute?.B !== undefined) return decodeCounters(attribute.B);
  return attribute?.M === undefined ? undefined : exactMap(attribute);
}

function exactMap(attribute: AttributeValue | undefined): Map<string, bigint> {
  const values = new Map<string, bigint>();
  for (const [name, value] of Object.entries(attribute?.M ?? {})) {
    if (value.S !== undefined && DECIMAL_INTEGER.test(value.S)) values.set(name, BigInt(value.S));
  }
  return values;
}

function epochMs(attribute: AttributeValue | undefined): number | undefined {
  const value = attribute?.N === undefined ? Number.NaN : Number(attribute.N);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
