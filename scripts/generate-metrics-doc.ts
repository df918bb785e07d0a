import { writeFileSync } from 'node:fs';
import { commandLine } from '../cli/command-line.js';
import { renderMetricsDoc } from './metrics-doc.js';

commandLine('docs:metrics', 'Usage: npm run docs:metrics\nWrites docs/metrics.md from the catalog.\n  -h, --help  show this help', {});

const path = new URL('../docs/metrics.md', import.meta.url);
writeFileSync(path, renderMetricsDoc());
process.stdout.write(`wrote ${path.pathname}\n`);
