/**
 * Appliances that answer with huge texts, huge bodies and echoes of the password in every common encoding:
 * the real NITRO client over HTTPS against simulators, the real handler's bounds. No log line exceeds
 * MAX_LOG_LINE_BYTES, the result stays within MAX_RESULT_BYTES, no encoding of a password appears, and a body
 * beyond its resource's limit is refused as such.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySampleStore, StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import type { Datum, MetricSink, PublishReport } from '../../lambda/core/ports.js';
import { MAX_LOG_LINE_BYTES, MAX_RESULT_BYTES } from '../../lambda/core/text.js';
import { boundedSummary } from '../../lambda/handler.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { MAX_BODY_BYTES } from '../../lambda/nitro/client.js';
import { createContainerMemory } from '../../lambda/pipeline/container-memory.js';
import { runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { leaks, passwordEncodings } from '../support/password-encodings.js';

const PASSWORD = 'open sesame+4711/ü';

class KeepingSink implements MetricSink {
  async publish(datums: readonly Datum[]): Promise<PublishReport> {
    return { outcomes: datums.map(() => 'published'), calls: 1, failedCalls: 0, errors: [], rejected: [] };
  }
}

describe('hostile appliances', () => {
  const sims: Simulator[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 4; i++) sims.push(await startSimulator({ seed: 40 + i, password: PASSWORD }));
  });
  afterAll(async () => Promise.all(sims.map((s) => s.close())));

  const appliances = (): ApplianceConfig[] =>
    sims.map((sim, i) => ({ name: `adc-${i}`, url: sim.url, secretId: `s${i}`, caCertificate: sim.caCertificate, haMode: 'any' }));

  async function run() {
    const redactor = new Redactor();
    const logger = createMemoryLogger('DEBUG', redactor);
    const credentials = new StaticCredentialSource(
      new Map(sims.map((sim, i) => [`s${i}`, { username: sim.username, password: PASSWORD }])),
    );
    const result = await runCollection(
      { appliances: appliances(), selection: resolveSelection('SessionsCreated,CurrentSessions'), concurrency: 4, remainingMs: 20_000 },
      { credentials, store: new InMemorySampleStore(), sink: new KeepingSink(), logger, memory: createContainerMemory({ redactor }) },
    );
    return { result, lines: logger.lines };
  }

  it('cuts huge NITRO messages and not-JSON bodies, refuses oversize bodies, and echoes no encoding of the password', async () => {
    const echo = passwordEncodings(sims[0]!.username, PASSWORD).join(' | ');
    // Just under the login limit: parsed, its message cut. Then far over the stat limit, then a text page of echoes.
    sims[0]!.injectFault(
      { kind: 'nitro-error', status: 401, errorcode: 354, message: `${echo} ${'x'.repeat(MAX_BODY_BYTES.login - 2_000)}` },
      { on: 'login' },
    );
    sims[1]!.injectFault(
      { kind: 'text', status: 200, contentType: 'application/json', body: `{"errorcode":0,"x":"${'y'.repeat(3 * 1024 * 1024)}"}` },
      { on: 'stat' },
    );
    sims[2]!.injectFault({ kind: 'text', status: 500, body: `${echo}\n${'z'.repeat(5_000)}` }, { on: 'stat' });
    sims[3]!.setRawField('mptcptotmpcapsession', `${echo}${'w'.repeat(10_000)}`);
    try {
      const { result, lines } = await run();
      const byName = new Map(result.summary.appliances.map((a) => [a.name, a]));
      expect(byName.get('adc-0')).toMatchObject({ outcome: 'failed', errorClass: 'bad-credentials' });
      expect(byName.get('adc-0')!.message!.length).toBeLessThan(700);
      expect(byName.get('adc-1')).toMatchObject({ outcome: 'failed', errorClass: 'protocol-error' });
      expect(byName.get('adc-1')!.message).toContain(`more than ${MAX_BODY_BYTES.protocolmptcp} bytes`);
      expect(byName.get('adc-2')).toMatchObject({ outcome: 'failed' });
      expect(byName.get('adc-3')).toMatchObject({ outcome: 'ok' });
      for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
      const output = [...lines, JSON.stringify(boundedSummary(result.summary))].join('\n');
      expect(leaks(output, sims[0]!.username, PASSWORD)).toEqual([]);
      expect(output).toContain('[REDACTED]');
    } finally {
      for (const sim of sims) {
        sim.clearFaults();
        sim.resetFields();
      }
    }
  });

  it('lets no 8 characters of the password through when an appliance echoes only parts of it in a NITRO error', async () => {
    // As seen in the field: the first 12 or 16, the last 13, the middle 14 characters (here of an 18-character one).
    const parts = [PASSWORD.slice(0, 12), PASSWORD.slice(0, 16), PASSWORD.slice(-13), PASSWORD.slice(2, 16)];
    sims[0]!.injectFault(
      { kind: 'nitro-error', status: 599, errorcode: 2138, message: `Not authorized for '${parts[0]}' (${parts[1]})` },
      { on: 'stat' },
    );
    sims[1]!.injectFault({ kind: 'nitro-error', status: 401, errorcode: 354, message: `Invalid password ${parts[2]}` }, { on: 'login' });
    sims[2]!.injectFault(
      {
        kind: 'text',
        status: 500,
        body: `<html>bad request: ${encodeURIComponent(parts[3]!)} ${Buffer.from(parts[1]!).toString('base64')}</html>`,
      },
      { on: 'stat' },
    );
    try {
      const { result, lines } = await run();
      expect(result.summary.appliances.filter((a) => a.outcome === 'failed').map((a) => a.name)).toEqual(['adc-0', 'adc-1', 'adc-2']);
      const output = [...lines, JSON.stringify(boundedSummary(result.summary))].join('\n');
      expect(leaks(output, sims[0]!.username, PASSWORD)).toEqual([]);
      for (let i = 0; i + 8 <= PASSWORD.length; i++) expect(output).not.toContain(PASSWORD.slice(i, i + 8));
      expect(output).toContain('[REDACTED]');
    } finally {
      for (const sim of sims) sim.clearFaults();
    }
  });

  it('keeps the result within its bound for a fleet of failures with long messages', () => {
    const appliancesOut = Array.from({ length: 3_000 }, (_, i) => ({
      name: `adc-${i}-${'n'.repeat(40)}`,
      outcome: i % 2 === 0 ? ('failed' as const) : ('ok' as const),
      ...(i % 2 === 0 && { errorClass: 'transport-error' as const, message: 'm'.repeat(3_000_000 / 3_000) }),
      datapoints: 3,
      durationMs: 12,
    }));
    const bounded = boundedSummary({
      appliances: appliancesOut,
      datapointsPublished: 1,
      putMetricDataCalls: 1,
      uncommitted: appliancesOut.map((a) => a.name),
    });
    expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(bounded.appliancesLeftOut).toBeGreaterThan(0);
    expect(bounded.appliances.every((a) => a.outcome === 'failed')).toBe(true);
    expect(bounded.uncommittedCount).toBe(3_000);
  });
});
