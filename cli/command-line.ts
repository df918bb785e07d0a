/**
 * The command line of every command (npm start, collect, simulator, bench, soak, doctor, docs:*, setup:lambda-runtime,
 * test:oldest-node): `--help` prints the usage, an unknown option is refused with exit code 2 and the nearest known
 * one, a value that is missing or not asked for is refused the same way. One parser (node:util parseArgs with these
 * rules), so that no command starts its work on a misspelled flag.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { closestNames } from '../lambda/catalog/closest-names.js';

/** Exit code of bad usage, for every command. */
export const USAGE_EXIT_CODE = 2;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Values<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>
>['values'];

/** The options of `options` parsed from `argv`, or 'help' for -h/--help. Throws UsageError for anything else. */
export function parseCommandLine<O extends ParseArgsOptionsConfig>(argv: readonly string[], options: O): Values<O> | 'help' {
  const all = { ...options, help: { type: 'boolean', short: 'h' } } as const satisfies ParseArgsOptionsConfig;
  const names = Object.keys(all);
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0]!;
      if (!names.includes(name)) throw new UsageError(`unknown option --${name}${didYouMean(name, names)}`);
    } else if (/^-[^-\d]/.test(arg)) {
      const shorts = Object.values(all).flatMap((option) => ('short' in option && option.short !== undefined ? [option.short] : []));
      const letter = arg.slice(1, 2);
      if (!shorts.includes(letter)) throw new UsageError(`unknown option -${letter}${didYouMean(arg.slice(1), names)}`);
    }
  }
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...argv], options: all, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (values['help'] === true) return 'help';
  delete values['help'];
  return values as Values<O>;
}

function didYouMean(name: string, names: readonly string[]): string {
  const near = closestNames(name, names, 1);
  return near.length > 0 ? `; did you mean --${near[0]}?` : `; known options: ${names.map((known) => `--${known}`).join(', ')}`;
}

/**
 * For a command's main module: its options parsed from process.argv, or the usage printed (exit 0) or the usage
 * error printed (exit 2), before any work starts.
 */
export function commandLine<O extends ParseArgsOptionsConfig>(
  command: string,
  usage: string,
  options: O,
  argv = process.argv.slice(2),
): Values<O> {
  let values: Values<O> | 'help';
  try {
    values = parseCommandLine(argv, options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${command}: error: ${error.message}. Run with --help for usage.\n`);
    process.exit(USAGE_EXIT_CODE);
  }
  if (values === 'help') {
    process.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
    process.exit(0);
  }
  return values;
}
