/** `npm run docs:settings`: README's table of the construct's props, from the settings model. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandLine } from '../cli/command-line.js';
import { withPropsTable } from './settings-doc.js';

commandLine(
  'docs:settings',
  "Usage: npm run docs:settings\nRegenerates README's table of the construct's props from the settings model.\n  -h, --help  show this help",
  {},
);

const README = resolve(import.meta.dirname, '../README.md');
writeFileSync(README, withPropsTable(readFileSync(README, 'utf8')));
process.stderr.write('README.md: construct props table regenerated\n');
