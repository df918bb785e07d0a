/**
 * How MPTCP traffic moves the appliance's statistics. One `step(seconds)` draws the events of that many seconds
 * from the seeded PRNG, keeping the relations real counters have: SYN >= SYN/ACK >= final ACK for both
 * handshakes, sessions created = MP_CAPABLE sessions established, subflows created = first subflows + joins,
 * DSS packets = received + sent. Errors, fallbacks and allocation failures are rare. Gauges revert to a mean
 * that follows the session arrival rate (Ornstein-Uhlenbeck), and never go below 0.
 */
import { CATALOG, isProblemCounter } from '../lambda/catalog/catalog.js';
import { Prng } from './prng.js';

/** The counters a quiet appliance keeps still (SimulatorOptions.quiet). */
const PROBLEM_COUNTERS: ReadonlySet<string> = new Set(CATALOG.filter(isProblemCounter).map((m) => m.nitroName));

/** Mean MP_CAPABLE SYNs per second. */
const SYN_PER_SECOND = 18;
/** Mean lifetime of a session, seconds: with the arrival rate it sets the mean of the current-sessions gauge. */
const SESSION_LIFETIME_SECONDS = 65;
/** How fast gauges return to their mean, seconds. */
const GAUGE_RELAXATION_SECONDS = 120;
const DSS_RECEIVED_PER_SESSION_SECOND = 0.8;
/** The share of MP_CAPABLE handshakes and sessions that are MPTCP v1 (RFC 8684): firmware 14.1 counts them apart. */
const V1_SHARE = 0.35;
const V1_DATA_BEFORE_KEY_PER_SECOND = 0.002;
const DSS_SENT_PER_SESSION_SECOND = 0.75;

/** Mean occurrences per second of the events that do not follow from other traffic. */
const RARE_EVENTS_PER_SECOND: Readonly<Record<string, number>> = {
  mptcperrextnflagset: 0.002,
  mptcperrresflagset: 0.001,
  mptcpplainackfallback: 0.02,
  mptcpinfinitemaprecvd: 0.01,
  mptcptotinfinitemapfrwd: 0.005,
  mptcpmpfailsent: 0.003,
  mptcpmpfailrecvd: 0.003,
  mptcpplainackrst: 0.002,
  mptcperrinvalopts: 0.005,
  mptcperroptiondiscarded: 0.004,
  mptcperroptsnosession: 0.01,
  mptcperrinvalremaddr: 0.001,
  mptcperroptssendrst: 0.002,
  mptcperrremaddrself: 0.0005,
  mptcperrrssffail: 0.0002,
  mptcperrnopayloadlenpkt: 0.001,
  mptcperrunsupportedmssnegotiated: 0.0005,
  mptcperrdatafinpassive: 0.001,
  mptcperrfastclosepassive: 0.0005,
  mptcperrfastclosekey: 0.0005,
  mptcperrnomappktrcvd: 0.003,
  mptcptotmoredatarcvd: 0.002,
  mptcperrbadmapconndrop: 0.0005,
  mptcperrdupmaprecvd: 0.001,
  mptcperrinvalidsfn: 0.001,
  mptcperrmapexists: 0.001,
  mptcperrnosffreensb: 0.0005,
  mptcperrmpcapsessionallocfail: 0.0002,
  mptcperrsfsessionallocfail: 0.0002,
  mptcptotmpcapsfpcballoc: 0.0001,
  mptcptotmpcballocfailed: 0.0001,
  mptcperrnsballocfailed: 0.0002,
};

export interface Gauges {
  readonly mptcpcurmpcapablesessions: number;
  readonly mptcpcursesswithoutsfs: number;
  readonly mptcpcursfconnections: number;
  readonly mptcpcurpendingjoin: number;
  /** Current MPTCP v1 sessions (part of mptcpcurmpcapablesessions); computed from it, never read back. */
  readonly mptcpcurv1mpcapablesessions?: number;
}

export interface TrafficStep {
  /** Counter name -> events in this step (every counter of the catalog is present). */
  readonly counterDeltas: ReadonlyMap<string, number>;
  readonly gauges: Gauges;
}

export class TrafficModel {
  private readonly prng: Prng;
  /** The v1 figures draw from their own stream, so the other counters are what they were before v1 existed. */
  private readonly v1Prng: Prng;

  /** Problem counters stay still: every event that would count one does not happen. */
  private readonly quiet: boolean;

  constructor(seed: number, options: { readonly quiet?: boolean } = {}) {
    this.quiet = options.quiet === true;
    this.prng = new Prng(seed);
    this.v1Prng = new Prng(seed * 7919 + 14);
  }

  /** The gauges' long-run means: what a freshly started appliance with steady traffic settles at. */
  static steadyGauges(): Gauges {
    const sessions = SYN_PER_SECOND * SESSION_LIFETIME_SECONDS;
    return {
      mptcpcurmpcapablesessions: sessions,
      mptcpcursesswithoutsfs: Math.round(sessions * 0.01),
      mptcpcursfconnections: Math.round(sessions * 1.7),
      mptcpcurpendingjoin: 5,
      mptcpcurv1mpcapablesessions: Math.round(sessions * V1_SHARE),
    };
  }

  /** The traffic of `seconds` (> 0) seconds, starting from the `current` gauges. */
  step(seconds: number, current: Gauges): TrafficStep {
    const p = this.prng;
    const deltas = new Map<string, number>();
    const add = (name: string, drawn: number): number => {
      const count = this.quiet && PROBLEM_COUNTERS.has(name) ? 0 : drawn;
      deltas.set(name, (deltas.get(name) ?? 0) + count);
      return count;
    };
    /** A rare event, at most `available` of them (e.g. refusals of the SYNs of this step). */
    const rare = (name: string, available = Number.POSITIVE_INFINITY): number =>
      add(name, Math.min(available, p.poisson((RARE_EVENTS_PER_SECOND[name] ?? 0) * seconds)));

    // MP_CAPABLE handshake: SYN -> SYN/ACK (unless refused) -> final ACK (unless the client went away).
    const syn = add('mptcptotmpcapsyn', p.poisson(SYN_PER_SECOND * seconds));
    const refusedVersion = add('mptcperrversionnotsupported', p.thin(syn, 0.002));
    const refusedCrypto = add('mptcperrcryptonotsupported', p.thin(syn - refusedVersion, 0.001));
    let refused = refusedVersion + refusedCrypto;
    refused += rare('mptcperrextnflagset', syn - refused);
    refused += rare('mptcperrresflagset', syn - refused);
    refused += rare('mptcperrmpcapsessionallocfail', syn - refused);
    const synAck = add('mptcptotmpcapsynacksent', syn - refused);
    const finalAck = add('mptcptotmpcapfackrecvd', synAck - p.thin(synAck, 0.01));
    const badCookie = add('mptcperrinvalcookie', p.thin(finalAck, 0.0005));
    const established = add('mptcptotconnest', finalAck - badCookie);
    add('mptcptotmpcapsession', established);
    add('mptcptotmpcapsteered', p.thin(established, 0.05));

    // MP_JOIN handshake: additional subflows of established sessions.
    const joinSyn = add('mptcptotmpjoinsyn', p.poisson(established * 1.3));
    let joinRefused = 0;
    for (const [name, probability] of [
      ['mptcperrunknowntoken', 0.003],
      ['mptcperrmaxsf', 0.002],
      ['mptcperrjointhreshold', 0.0005],
      ['mptcperraddridexist', 0.001],
      ['mptcperraddrid0', 0.0005],
      ['mptcperrjoinafterfallback', 0.001],
    ] as const) {
      joinRefused += add(name, p.thin(joinSyn - joinRefused, probability));
    }
    const joinSynAck = add('mptcptotmpjoinsynacksent', joinSyn - joinRefused);
    const joinFinalAck = add('mptcptotmpjoinfackrecvd', joinSynAck - p.thin(joinSynAck, 0.01));
    const badMac = add('mptcperrinvalmac', p.thin(joinFinalAck, 0.001));
    const joinAttachFailed = rare('mptcperrsfsessionallocfail', joinFinalAck - badMac);
    const joined = add('mptcptotmpjoin4thacksent', joinFinalAck - badMac - joinAttachFailed);
    add('mptcptotmpjoinsteered', p.thin(joined, 0.05));

    // Subflows.
    const subflows = add('mptcptotsfconn', established + joined);
    add('mptcptotestsfreplaced', p.thin(joined, 0.01));
    add('mptcptotpendsfreplaced', p.thin(joinSyn, 0.005));
    add('mptcptotaddrremoved', p.thin(subflows, 0.02));
    const toBackup = add('mptcppriobackuprx', p.thin(subflows, 0.03));
    add('mptcpprioclearbackuprx', p.thin(toBackup, 0.5));
    add('mptcptottxsffin', p.poisson(subflows * 0.97));

    // Session close.
    add('mptcptottxdatafin', p.poisson(established * 0.9));
    add('mptcptotrxdatafin', p.poisson(established * 0.92));
    add('mptcperrfastclose', p.thin(established, 0.02));

    // Data transfer, proportional to the sessions open during the step.
    const gauges = this.moveGauges(seconds, current, joinSyn / seconds);
    const open = (current.mptcpcurmpcapablesessions + gauges.mptcpcurmpcapablesessions) / 2;
    const dssReceived = add('mptcptotrxdss', p.poisson(open * DSS_RECEIVED_PER_SESSION_SECOND * seconds));
    const dssSent = add('mptcptottxdss', p.poisson(open * DSS_SENT_PER_SESSION_SECOND * seconds));
    const dss = add('mptcptotdss', dssReceived + dssSent);
    add('mptcptotdssm', p.thin(dss, 0.6));
    const dataAcks = add('mptcptotdssa', p.thin(dss, 0.5));
    const freshAcks = add('mptcptotdssfreshack', p.thin(dataAcks, 0.4));
    add('mptcptotfreshackfrwd', p.thin(freshAcks, 0.9));
    add('mptcptotdatalessthandatalen', p.thin(dssReceived, 0.01));
    add('mptcperrretxpktrcvd', p.thin(dssReceived, 0.002));

    // A checksum failure makes the appliance send MP_FAIL; bad checksums are at least the MP_FAILs sent.
    const mpFailSent = rare('mptcpmpfailsent');
    add('mptcperrbadcksum', mpFailSent + p.poisson(0.001 * seconds));
    for (const name of Object.keys(RARE_EVENTS_PER_SECOND)) {
      if (!deltas.has(name)) rare(name);
    }

    // MPTCP v1: a share of the MP_CAPABLE SYNs and of the sessions established from them.
    const v1 = this.v1Prng;
    const v1Syn = add('mptcptotv1mpcapsyn', v1.thin(syn, V1_SHARE));
    add('mptcptotv1mpcapsession', Math.min(v1Syn, v1.thin(established, V1_SHARE)));
    add('mptcperrv1datarecvdpriortokey', v1.poisson(V1_DATA_BEFORE_KEY_PER_SECOND * seconds));
    const v1Gauge = Math.min(gauges.mptcpcurmpcapablesessions, v1.thin(gauges.mptcpcurmpcapablesessions, V1_SHARE));

    return { counterDeltas: deltas, gauges: { ...gauges, mptcpcurv1mpcapablesessions: v1Gauge } };
  }

  private moveGauges(seconds: number, current: Gauges, joinsPerSecond: number): Gauges {
    const steady = TrafficModel.steadyGauges();
    const keep = Math.exp(-seconds / GAUGE_RELAXATION_SECONDS);
    const spread = Math.sqrt(1 - keep * keep);
    const revert = (value: number, mean: number, deviation: number): number =>
      Math.max(0, Math.round(mean + (value - mean) * keep + deviation * spread * this.prng.gaussian()));
    const sessions = revert(current.mptcpcurmpcapablesessions, steady.mptcpcurmpcapablesessions, 0.08 * steady.mptcpcurmpcapablesessions);
    return {
      mptcpcurmpcapablesessions: sessions,
      mptcpcursesswithoutsfs: Math.min(sessions, revert(current.mptcpcursesswithoutsfs, sessions * 0.01, 2)),
      mptcpcursfconnections: revert(current.mptcpcursfconnections, sessions * 1.7, 0.05 * sessions),
      // Joins wait a fraction of a second for their final ACK.
      mptcpcurpendingjoin: revert(current.mptcpcurpendingjoin, joinsPerSecond * 0.2, 2),
    };
  }
}
