import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Output } from './output.ts';

/** The option table of one command, in node:util parseArgs form. */
export type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed option values of a command with options `O` (strict, no positionals). */
export type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'];

export interface CommandContext<O extends Options> {
  values: Values<O>;
  out: Output;
}

/** One `gatehouse` command: `path` is what the operator types before the options (`['user', 'create']`). */
export interface Command<O extends Options = Options> {
  path: readonly [string] | readonly [string, string] | readonly [string, string, string];
  summary: string;
  /** The options part of the usage line, e.g. `--email E --password P [--name N]`. */
  usage: string;
  options: O;
  /**
   * The option that a single bare argument fills (`enroll <link>` sets `link`); without it a bare
   * argument is a usage error. Given both ways, the option wins the error: "given twice".
   */
  positional?: keyof O & string;
  run(ctx: CommandContext<O>): Promise<void>;
}

// `any` keeps a list of commands with different option tables assignable; each is type-checked by `command()`.
export type AnyCommand = Command<any>;

/** Declares a command; the `const` parameter keeps the option names, so `values.email` is typed. */
export function command<const O extends Options>(c: Command<O>): Command<O> {
  return c;
}

/**
 * Why the command line stops. `usage` and `invalid_value` are the operator's input (exit 2);
 * `conflict` and `not_found` are about the data (exit 1); `config` is a bad environment (exit 2).
 */
export type CliErrorCode = 'usage' | 'invalid_value' | 'config' | 'conflict' | 'not_found';

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly code: CliErrorCode,
    message: string,
    /** The command whose usage line helps with this error. */
    readonly command?: AnyCommand,
  ) {
    super(message);
  }

  get exitCode(): number {
    return this.code === 'conflict' || this.code === 'not_found' ? 1 : 2;
  }
}

/** Global flags every command accepts. */
const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/**
 * Parses a command's arguments strictly: unknown options, positionals and missing values are
 * usage errors with a short message (parseArgs' own messages are long and mention `--`).
 */
export function parseCommandArgs(cmd: AnyCommand, args: string[]): { values: Record<string, unknown>; json: boolean; help: boolean } {
  try {
    const options = { ...cmd.options, ...GLOBAL_OPTIONS };
    const { values, positionals } = parseArgs({ args: dashValuesJoined(args, options), options, strict: true, allowPositionals: cmd.positional !== undefined });
    const { json, help, ...rest } = values as Record<string, unknown>;
    if (cmd.positional && positionals.length > 0) {
      if (positionals.length > 1) throw new CliError('usage', `unexpected argument "${positionals[1]}"`, cmd);
      if (rest[cmd.positional] !== undefined) throw new CliError('usage', `--${cmd.positional} given twice`, cmd);
      rest[cmd.positional] = positionals[0];
    }
    return { values: rest, json: json === true, help: help === true };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError('usage', describeParseError(err), cmd);
  }
}

function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = quoted.split(/[ ,]/)[0] ?? quoted;
      if (/ambiguous/.test(e.message ?? '')) return `option ${name} needs a value (write ${name}=-value for a value starting with "-")`;
      return /argument missing/.test(e.message ?? '') ? `option ${name} needs a value` : `option ${name} takes no value`;
    }
    default:
      return e.message ?? String(err);
  }
}

/** A required option's value, or a usage error naming it. */
export function need<T>(value: T | undefined, flag: string): T {
  if (value === undefined || value === '') throw new CliError('usage', `missing required option ${flag}`);
  return value;
}

/**
 * `--challenge -x1Y…` → `--challenge=-x1Y…`: identifiers are base64url and may begin with `-`, which
 * parseArgs would read as an option. A string option takes the next word when that word is not one of
 * the command's own options.
 */
export function dashValuesJoined(args: readonly string[], options: Options): string[] {
  const isOption = (word: string) => word.startsWith('--') && word.slice(2).split('=')[0]! in options;
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const next = args[i + 1];
    const name = word.startsWith('--') && !word.includes('=') ? word.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && !isOption(next)) {
      out.push(`${word}=${next}`);
      i++;
    } else out.push(word);
  }
  return out;
}
