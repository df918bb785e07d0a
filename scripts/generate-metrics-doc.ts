import { writeFileSync } from 'node:fs';
import { renderMetricsDoc } from './metrics-doc.js';

const path = new URL('../docs/metrics.md', import.meta.url);
writeFileSync(path, renderMetricsDoc());
process.stdout.write(`wrote ${path.pathname}\n`);
