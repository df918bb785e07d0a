/** `npm run docs:settings`: the table of the construct's props in docs/configuration.md, from the settings model. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandLine } from '../cli/command-line.js';
import { withPropsTable } from './settings-doc.js';

commandLine(
  'docs:settings',
  "Usage: npm run docs:settings\nRegenerates the table of the construct's props in docs/configuration.md from the settings model.\n  -h, --help  show this help",
  {},
);

const CONFIGURATION_DOC = resolve(import.meta.dirname, '../docs/configuration.md');
writeFileSync(CONFIGURATION_DOC, withPropsTable(readFileSync(CONFIGURATION_DOC, 'utf8')));
process.stderr.write('docs/configuration.md: construct props table regenerated\n');
