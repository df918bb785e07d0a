import type { MetricDefinition } from '../../lambda/catalog/catalog.js';

/**
 * The per-appliance graphs of the dashboard for a counter selection: which selected metrics go into which graph.
 * A graph without a selected metric is left out; every selected metric lands in exactly one graph.
 */

export interface GraphPlan {
  readonly title: string;
  readonly metricNames: readonly string[];
  /** Counters are per-interval deltas (Sum); gauges are values (Average); rates are per second (Average). */
  readonly statistic: 'Sum' | 'Average';
}

const MP_CAPABLE_HANDSHAKE = [
  'MpCapableSynReceived',
  'MpCapableSynAckSent',
  'MpCapableFinalAckReceived',
  'MpCapableSessionsEstablished',
  'MpCapableSessionsSteered',
  // Firmware 14.1: the MPTCP v1 share of the SYNs above.
  'V1MpCapableSynReceived',
];

const MP_JOIN_HANDSHAKE = [
  'MpJoinSynReceived',
  'MpJoinSynAckSent',
  'MpJoinFinalAckReceived',
  'MpJoinFourthAckSent',
  'MpJoinSubflowsSteered',
];

/** Handshake-group counters that are failures, graphed with the protocol errors. */
const HANDSHAKE_ERRORS = ['UnsupportedVersionErrors', 'UnsupportedCryptoErrors'];

interface GraphRule {
  readonly title: string;
  readonly statistic: 'Sum' | 'Average';
  readonly matches: (metric: MetricDefinition) => boolean;
  /** Fixed order (e.g. a handshake in protocol order); otherwise catalog order. */
  readonly order?: readonly string[];
  /** The graph is drawn only when this metric is selected (a comparison means nothing without it). */
  readonly requires?: string;
}

const V1_SPLIT_CURRENT = ['CurrentSessions', 'CurrentV1Sessions'];
const V1_SPLIT_CREATED = ['SessionsCreated', 'V1SessionsCreated'];

const RULES: readonly GraphRule[] = [
  // The v0/v1 split (firmware 14.1): all MPTCP sessions against the v1 ones; v0 is the gap between the lines.
  {
    title: 'MPTCP v0/v1 split: current sessions, all and v1 (v0 = the difference)',
    statistic: 'Average',
    matches: (m) => V1_SPLIT_CURRENT.includes(m.metricName),
    order: V1_SPLIT_CURRENT,
    requires: 'CurrentV1Sessions',
  },
  {
    title: 'MPTCP v0/v1 split: sessions created, all and v1 (v0 = the difference)',
    statistic: 'Sum',
    matches: (m) => V1_SPLIT_CREATED.includes(m.metricName),
    order: V1_SPLIT_CREATED,
    requires: 'V1SessionsCreated',
  },
  { title: 'Current sessions and subflows', statistic: 'Average', matches: (m) => m.kind === 'gauge' },
  {
    title: 'MP_CAPABLE handshake: SYN -> SYN/ACK -> final ACK',
    statistic: 'Sum',
    matches: (m) => m.kind === 'counter' && MP_CAPABLE_HANDSHAKE.includes(m.metricName),
    order: MP_CAPABLE_HANDSHAKE,
  },
  {
    title: 'MP_JOIN handshake: SYN -> SYN/ACK -> final ACK',
    statistic: 'Sum',
    matches: (m) => m.kind === 'counter' && MP_JOIN_HANDSHAKE.includes(m.metricName),
    order: MP_JOIN_HANDSHAKE,
  },
  {
    title: 'Sessions and subflows opened and closed',
    statistic: 'Sum',
    matches: (m) => m.kind === 'counter' && (m.group === 'sessions' || m.group === 'subflows'),
  },
  { title: 'Data transfer (DSS)', statistic: 'Sum', matches: (m) => m.kind === 'counter' && m.group === 'data transfer' },
  { title: 'Fallbacks to plain TCP', statistic: 'Sum', matches: (m) => m.kind === 'counter' && m.group === 'fallback' },
  {
    title: 'Protocol errors',
    statistic: 'Sum',
    matches: (m) => m.kind === 'counter' && (m.group === 'errors' || HANDSHAKE_ERRORS.includes(m.metricName)),
  },
  {
    title: 'Resource exhaustion: allocation failures and rejected joins',
    statistic: 'Sum',
    matches: (m) => m.kind === 'counter' && m.group === 'resource exhaustion',
  },
  { title: 'Appliance-computed rates (per second)', statistic: 'Average', matches: (m) => m.kind === 'rate' },
];

export function planApplianceGraphs(selection: readonly MetricDefinition[]): GraphPlan[] {
  const placed = new Set<string>();
  const graphs: GraphPlan[] = [];
  for (const rule of RULES) {
    if (rule.requires !== undefined && !selection.some((m) => m.metricName === rule.requires)) continue;
    const matching = selection.filter((m) => !placed.has(m.metricName) && rule.matches(m)).map((m) => m.metricName);
    if (matching.length === 0) continue;
    const ordered = rule.order
      ? [...rule.order.filter((name) => matching.includes(name)), ...matching.filter((n) => !rule.order!.includes(n))]
      : matching;
    ordered.forEach((name) => placed.add(name));
    graphs.push({ title: rule.title, metricNames: ordered, statistic: rule.statistic });
  }
  return graphs;
}

/**
 * Dashboard graphs of per-virtual-server gauges: one per appliance that lists servers, in config order, at most
 * MAX_VIRTUAL_SERVER_GRAPHS (a dashboard holds at most 500 widgets; the alarm and fleet widgets need room).
 */
export const MAX_VIRTUAL_SERVER_GRAPHS = 100;

export interface VirtualServerGraphPlan {
  readonly appliance: string;
  readonly servers: readonly string[];
}

export function planVirtualServerGraphs(appliances: readonly { name: string; virtualServers?: readonly string[] }[]): {
  graphs: VirtualServerGraphPlan[];
  left: number;
} {
  const listing = appliances
    .filter((a) => (a.virtualServers ?? []).length > 0)
    .map((a) => ({ appliance: a.name, servers: a.virtualServers ?? [] }));
  return { graphs: listing.slice(0, MAX_VIRTUAL_SERVER_GRAPHS), left: Math.max(0, listing.length - MAX_VIRTUAL_SERVER_GRAPHS) };
}
