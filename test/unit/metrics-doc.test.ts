import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../lambda/catalog/catalog.js';
import { renderMetricsDoc } from '../../scripts/metrics-doc.js';

describe('docs/metrics.md', () => {
  it('is up to date with the catalog (run `npm run docs:metrics` after changing the catalog)', () => {
    const committed = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderMetricsDoc());
  });

  it('documents every metric and NITRO field', () => {
    const doc = renderMetricsDoc();
    for (const metric of CATALOG) {
      expect(doc).toContain(`\`${metric.metricName}\``);
      expect(doc).toContain(`\`${metric.nitroName}\``);
    }
  });
});
