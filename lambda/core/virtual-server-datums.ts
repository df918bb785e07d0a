import { VIRTUAL_SERVER_TYPES, type VirtualServerRef } from '../catalog/virtual-server.js';
import { VIRTUAL_SERVER_ERRORS_METRIC, VIRTUAL_SERVER_GAUGES } from '../catalog/virtual-server-metrics.js';
import { toExactNumber } from './datums.js';
import type { Datum } from './ports.js';
import { parseInteger } from './sample.js';

/** What one listed server gave this run: its two gauges, or why it gave nothing. */
export type VirtualServerReading =
  | { readonly server: VirtualServerRef; readonly ok: true; readonly values: ReadonlyMap<string, bigint> }
  | { readonly server: VirtualServerRef; readonly ok: false; readonly reason: string; readonly nitroErrorCode?: number };

/**
 * Reads `{"lbvserver": [{"name": ..., "curmptcpsessions": "12", "cursubflowconn": "30", ...}]}` (an object instead
 * of the array is accepted, as for stat/protocolmptcp). A gauge that is missing or unusable is left out; an
 * answer without either gauge, or for another server, is a failed reading.
 */
export function readVirtualServerAnswer(answer: Record<string, unknown>, server: VirtualServerRef): VirtualServerReading {
  const key = VIRTUAL_SERVER_TYPES[server.type].resource;
  const raw = answer[key];
  const entry = Array.isArray(raw) ? raw[0] : raw;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return { server, ok: false, reason: `the answer has no "${key}" entry` };
  }
  const record = entry as Record<string, unknown>;
  if (typeof record.name === 'string' && record.name !== server.name) {
    return { server, ok: false, reason: `the answer is for another virtual server ("${record.name.slice(0, 140)}")` };
  }
  const values = new Map<string, bigint>();
  const unusable: string[] = [];
  for (const gauge of VIRTUAL_SERVER_GAUGES) {
    if (!Object.hasOwn(record, gauge.nitroName)) continue;
    const parsed = parseInteger(record[gauge.nitroName]);
    if (parsed.ok && toExactNumber(parsed.value) !== undefined) values.set(gauge.nitroName, parsed.value);
    else unusable.push(gauge.nitroName);
  }
  if (values.size === 0) {
    const detail =
      unusable.length > 0 ? `unusable ${unusable.join(', ')}` : `no ${VIRTUAL_SERVER_GAUGES.map((g) => g.nitroName).join(' or ')}`;
    return { server, ok: false, reason: `the answer has ${detail} (firmware without MPTCP statistics per virtual server?)` };
  }
  return { server, ok: true, values };
}

/** The gauges of every server read, and the appliance's VirtualServerErrors count (servers not read). */
export function buildVirtualServerDatums(appliance: string, timestamp: number, readings: readonly VirtualServerReading[]): Datum[] {
  const datums: Datum[] = [];
  for (const reading of readings) {
    if (!reading.ok) continue;
    for (const gauge of VIRTUAL_SERVER_GAUGES) {
      const value = reading.values.get(gauge.nitroName);
      if (value === undefined) continue;
      datums.push({
        metricName: gauge.metricName,
        appliance,
        virtualServer: reading.server.id,
        value: Number(value),
        unit: gauge.unit,
        timestamp,
      });
    }
  }
  const failed = readings.filter((r) => !r.ok).length;
  datums.push({ metricName: VIRTUAL_SERVER_ERRORS_METRIC, appliance, value: failed, unit: 'Count', timestamp });
  return datums;
}
