import type { Datum } from '../lambda/core/ports.js';
import type { RunSummary } from '../lambda/pipeline/run-collection.js';

/** The metrics as a table an operator can read: metric, Appliance dimension, value, unit. */
export function formatDatumTable(datums: readonly Datum[]): string {
  const rows = datums.map((d) => [d.metricName, d.appliance, formatValue(d.value), d.unit]);
  return formatTable(['Metric', 'Appliance', 'Value', 'Unit'], rows, [false, false, true, false]);
}

/** One line per appliance: its outcome, and the error class and message when it failed. */
export function formatOutcomes(summary: RunSummary, options: { readonly dryRun?: boolean; readonly errorMessages?: boolean } = {}): string {
  return summary.appliances
    .map((a) => {
      const head = `${a.name}: ${a.outcome} (${a.datapoints} datapoints${options.dryRun ? ' would be published' : ''}, ${a.durationMs} ms)`;
      if (!a.errorClass) return head;
      const error = `${head} ${a.errorClass}${a.nitroErrorCode !== undefined ? ` [NITRO ${a.nitroErrorCode}]` : ''}`;
      return options.errorMessages === false ? error : `${error}: ${a.message}`;
    })
    .join('\n');
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

function formatTable(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
