/**
 * `npm run soak [-- --rounds 10000 --lanes 4 --appliances 4 --seed 1]`: drives the real pipeline through many
 * rounds with random faults at every edge and prints what happened and the violations of its invariants (see
 * docs/reliability.md). Needs moto_server on PATH. Exits 1 when there is any violation.
 */
import { writeFileSync } from 'node:fs';
import { commandLine } from '../../cli/command-line.js';
import { isMotoInstalled, MOTO_INSTALL_HINT, startMoto } from '../support/moto-server.js';
import { runSoak, type SoakReport } from './engine.js';

/** Violations printed in the report; all of them go to VIOLATIONS_FILE when there are more. */
const SHOWN_VIOLATIONS = 200;
const VIOLATIONS_FILE = 'soak-violations.txt';

const values = commandLine(
  'soak',
  'Usage: npm run soak -- [--rounds N per lane (2500)] [--lanes N (4)] [--appliances N per lane (4)] [--seed N (1)]\n' +
    '  [--lane N: only lane N of those, seeded the same] [--trace soak-L-A: a JSON line per run of that appliance in soak-trace-soak-L-A.jsonl]\n' +
    '  [-h, --help: show this help]\n',
  {
    rounds: { type: 'string', default: '2500' },
    lanes: { type: 'string', default: '4' },
    appliances: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    lane: { type: 'string' },
    trace: { type: 'string' },
  },
);
const positive = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`--${name} must be a positive integer, got ${text}\n`);
    process.exit(2);
  }
  return value;
};
const rounds = positive('rounds', values.rounds);
const lanes = positive('lanes', values.lanes);
const appliances = positive('appliances', values.appliances);
const seed = positive('seed', values.seed);

if (!isMotoInstalled()) {
  process.stderr.write(
    `moto_server is not on PATH: the soak needs it for DynamoDB and Secrets Manager. Install it with: ${MOTO_INSTALL_HINT}\n`,
  );
  process.exit(2);
}
const moto = await startMoto();
let report: SoakReport;
try {
  process.stdout.write(`soak: ${lanes} lanes x ${rounds} rounds x ${appliances} appliances, seed ${seed}\n`);
  report = await runSoak({
    rounds,
    lanes,
    appliances,
    seed,
    ...(values.lane !== undefined && { onlyLane: Number(values.lane) }),
    ...(values.trace !== undefined && { trace: { appliance: values.trace, file: `soak-trace-${values.trace}.jsonl` } }),
    motoEndpoint: moto.endpoint,
    progressEvery: Math.max(1, Math.floor(rounds / 10)),
    progress: (r) => process.stdout.write(`  lane 0: ${r} rounds\n`),
  });
} finally {
  await moto.stop();
}
process.stdout.write(formatReport(report));
if (report.violations.length > SHOWN_VIOLATIONS) {
  writeFileSync(VIOLATIONS_FILE, `${report.violations.join('\n')}\n`);
  process.stdout.write(
    `  ... ${report.violations.length - SHOWN_VIOLATIONS} more: all ${report.violations.length} in ${VIOLATIONS_FILE}\n`,
  );
}
process.exit(report.violations.length === 0 ? 0 : 1);

function formatReport(r: SoakReport): string {
  const lines = [
    `rounds: ${r.rounds} (runs ${r.runs}, appliance collections ${r.collections}) in ${(r.figures.durationMs / 1000).toFixed(0)} s`,
    `outcomes: ${Object.entries(r.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    'faults by kind:',
    ...Object.entries(r.faults).map(([kind, count]) => `  ${kind.padEnd(28)} ${count}`),
    `datapoints confirmed by CloudWatch: ${r.figures.datapointsPublished}`,
    `committed intervals: ${r.figures.committedIntervals}; counter increases checked against CloudWatch: ${r.figures.increasesChecked}; excused: ${r.figures.excusedResets} resets, ${r.figures.excusedStaleCounters} stale counter values, ${r.figures.excusedRebaselines} new baselines after ${r.figures.stateRepairs} state repairs`,
    `counted windows: ${r.figures.uncertainDatapoints} counter datapoints sent without an answer (${r.figures.storedWithoutAnswer} datapoints of all kinds stored by CloudWatch all the same); ${r.figures.secondCounts} counter-rounds counted twice, each inside a documented window; none three times`,
    `increases dropped (IncreasesDropped): ${r.figures.increasesDropped}, of which CloudWatch never got ${r.figures.droppedNeverStored}`,
    `HA pairs: ${r.ha.failovers} failovers, ${r.ha.failbacks} failbacks (${r.ha.failbacksToHigherCounters} to a node whose counters were none lower, some higher), ${r.figures.excusedNodeChanges} intervals across a node change taken as a new baseline, NodeChanges 1 in ${r.ha.nodeChangesReported} collections; SessionsCreated true ${r.ha.sessionsCreatedTrue}, in CloudWatch over committed intervals ${r.ha.sessionsCreatedCommitted} (all datums ${r.ha.sessionsCreatedStored})`,
    `state table outages: ${r.outages.rounds} rounds (${r.outages.sessionsLost} of them after the kept sessions were gone), ${r.outages.collections} collections; gauges published for ${r.outages.withGauges} appliance-rounds (${r.outages.answered} required), StateUnavailable 1 for ${r.outages.stateUnavailable}; counter datums published ${r.outages.counterDatums}`,
    `sessions the collector could not end (login answer or logout lost on its side; they end by their own timeout): ${r.figures.sessionsLeftUnreachable}`,
    `longest run ${r.figures.longestRunMs} ms; tightest margin to the deadline ${r.figures.tightestMarginMs} ms; longest log line ${r.figures.longestLogLineBytes} bytes`,
    `logins refused: ${r.credentials.failedLogins} wrong password, ${r.credentials.lockedRefusals} locked user; later logins with a rejected password: ${r.credentials.loginsWithRejectedPassword}, none inside its backoff (else a violation) but ${r.credentials.loginsAfterForgottenRejection} after a cold start forgot a rejection whose write had failed (the documented window)`,
    `violations: ${r.violations.length}`,
    ...r.violations.slice(0, SHOWN_VIOLATIONS).map((v) => `  ${v}`),
  ];
  return `${lines.join('\n')}\n`;
}
