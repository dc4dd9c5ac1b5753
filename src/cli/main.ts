import { ConfigError } from '../config.ts';
import { CliError, parseCommandArgs, type AnyCommand } from './command.ts';
import { Output } from './output.ts';
import { startCommands } from './commands/start.ts';
import { migrateCommands } from './commands/migrate.ts';
import { userCommands } from './commands/user.ts';
import { appCommands } from './commands/app.ts';
import { apiCommands } from './commands/api.ts';
import { orgCommands } from './commands/org.ts';
import { appPolicyCommands } from './commands/app-policy.ts';
import { policyCommands } from './commands/policy.ts';
import { keysCommands } from './commands/keys.ts';
import { authenticatorCommands } from './commands/authenticator/index.ts';
import { AuthenticatorError } from '../authenticator/errors.ts';

/** Every command, in the order `gatehouse help` lists them. */
export const COMMANDS: AnyCommand[] = [...startCommands, ...migrateCommands, ...userCommands, ...appCommands, ...appPolicyCommands, ...apiCommands, ...orgCommands, ...policyCommands, ...keysCommands, ...authenticatorCommands];

const ENVIRONMENT_HELP = `Configuration comes from the same environment as the server: DATABASE_URL, GATEHOUSE_DATA_DIR,
GATEHOUSE_SECRET_KEY, GATEHOUSE_ISSUER, PORT, NODE_ENV, … (see README). Every command applies pending
migrations first, except the "authenticator" commands: they are a device, not the server, and keep their
state in --home DIR (default $GATEHOUSE_AUTHENTICATOR_HOME or ~/.gatehouse-authenticator).

Options for every command:
  --json       print one JSON value on stdout and nothing else (errors go to stderr as JSON)
  -h, --help   show the usage of a command`;

function usageLine(cmd: AnyCommand): string {
  return `gatehouse ${cmd.path.join(' ')}${cmd.usage ? ' ' + cmd.usage : ''}`;
}

function usage(commands: AnyCommand[] = COMMANDS): string {
  const lines = commands.map((c) => `  ${usageLine(c)}\n      ${c.summary}`);
  return `Usage:\n${lines.join('\n')}\n\n${ENVIRONMENT_HELP}\n`;
}

/** Usage text, or with `--json` the commands as data (for completion scripts and wrappers). */
function writeHelp(commands: AnyCommand[], json: boolean, stdout: NodeJS.WritableStream): void {
  if (!json) return void stdout.write(usage(commands));
  const data = commands.map((c) => ({ command: c.path.join(' '), usage: usageLine(c).replace(/\s*\n\s*/g, ' '), summary: c.summary }));
  stdout.write(JSON.stringify(data) + '\n');
}

/**
 * Finds the command `argv` names (the longest path that matches: `org domain add` before `org`); a
 * known group with an unknown or missing subcommand is a usage error showing that group.
 */
function resolve(argv: string[]): { cmd: AnyCommand; rest: string[] } {
  const matches = COMMANDS.filter((c) => c.path.every((w, i) => argv[i] === w)).sort((a, b) => b.path.length - a.path.length);
  const cmd = matches[0];
  if (cmd) return { cmd, rest: argv.slice(cmd.path.length) };
  for (let n = Math.min(argv.length, 2); n >= 1; n--) {
    const prefix = argv.slice(0, n);
    const group = COMMANDS.filter((c) => c.path.length > n && prefix.every((w, i) => c.path[i] === w));
    if (group.length === 0) continue;
    const next = argv[n] ?? '';
    throw new UsageOfGroup(next && !next.startsWith('-') ? `unknown command "${[...prefix, next].join(' ')}"` : `"${prefix.join(' ')}" needs a subcommand`, group);
  }
  throw new CliError('usage', `unknown command "${argv[0] ?? ''}"`);
}

/** A usage error whose help is a whole group of commands. */
class UsageOfGroup extends CliError {
  constructor(
    message: string,
    readonly group: AnyCommand[],
  ) {
    super('usage', message);
  }
}

/**
 * Runs the `gatehouse` command line and returns the exit code: 0 on success, 2 for bad
 * arguments or configuration, 1 when the command failed. Expected errors are one line on
 * stderr, never a stack trace.
 */
export async function main(argv: string[], out?: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream }): Promise<number> {
  const stdout = out?.stdout ?? process.stdout;
  const stderr = out?.stderr ?? process.stderr;
  // Known before parsing, so even a parse error is reported in the requested form.
  const json = argv.includes('--json');
  // Global flags may come before the command: `gatehouse --json user list`.
  const leading = argv.findIndex((a) => !['--json', '--help', '-h'].includes(a));
  const words = leading === -1 ? [] : argv.slice(leading);
  const wantsHelp = argv.slice(0, leading === -1 ? argv.length : leading).some((a) => a === '--help' || a === '-h');

  let current: AnyCommand | undefined;
  const restoreConsole = json ? keepStdoutForResult() : () => {};
  try {
    if (words[0] === 'help' || (wantsHelp && words.length === 0)) {
      const topic = words.slice(1).find((w) => !w.startsWith('-'));
      const group = topic ? COMMANDS.filter((c) => c.path[0] === topic) : COMMANDS;
      if (group.length === 0) throw new CliError('usage', `unknown command "${topic}"`);
      writeHelp(group, json, stdout);
      return 0;
    }
    if (words.length === 0) {
      stderr.write(usage());
      return 2;
    }
    const { cmd, rest } = resolve(words);
    current = cmd;
    const parsed = parseCommandArgs(cmd, rest);
    if (parsed.help || wantsHelp) {
      writeHelp([cmd], json, stdout);
      return 0;
    }
    await cmd.run({ values: parsed.values as never, out: new Output(json, stdout, stderr) });
    return 0;
  } catch (err) {
    return report(err, current, json, stderr);
  } finally {
    restoreConsole();
  }
}

function report(err: unknown, current: AnyCommand | undefined, json: boolean, stderr: NodeJS.WritableStream): number {
  let code: string;
  let message: string;
  let exit: number;
  let help = '';
  if (err instanceof CliError) {
    ({ code, message } = err);
    exit = err.exitCode;
    if (err.code === 'usage') {
      // The usage lines in question, short: the full help is one command away.
      const about = err instanceof UsageOfGroup ? err.group : [err.command ?? current].filter((c): c is AnyCommand => c !== undefined);
      const lines = about.map((c) => `  ${usageLine(c)}\n`).join('');
      help = (lines ? `Usage:\n${lines}` : '') + `Run "gatehouse help${about[0] ? ' ' + about[0].path[0] : ''}" for more.\n`;
    }
  } else if (err instanceof AuthenticatorError) {
    // The API's codes (device_unknown, answer_refused, …) as they are, for scripts to switch on.
    [code, message, exit] = [err.code, err.message, err.exitCode];
  } else if (err instanceof ConfigError) {
    [code, message, exit] = ['config', `configuration error: ${err.message}`, 2];
  } else {
    // Not an expected error: say what happened; the stack only on request, for a bug report.
    const e = err as Error & { code?: unknown };
    const hint = typeof e?.code === 'string' ? OPERATIONAL_HINTS[e.code] : undefined;
    [code, message, exit] = ['internal', `failed: ${e?.message ?? String(err)}${hint ? ` (${hint})` : ''}`, 1];
    if (process.env.GATEHOUSE_DEBUG) help = `${e?.stack ?? ''}\n`;
    else if (!hint) help = 'Set GATEHOUSE_DEBUG=1 to see the stack trace.\n';
  }
  if (json) stderr.write(JSON.stringify({ error: { code, message } }) + '\n');
  else stderr.write(`gatehouse: ${message}\n${help ? '\n' + help : ''}`);
  return exit;
}

/** System errors an operator can fix without reading code: what to check. */
const OPERATIONAL_HINTS: Record<string, string> = {
  EADDRINUSE: 'another process listens on that port; stop it or set PORT',
  EACCES: 'permission denied; check the data directory or use a port above 1023',
  ECONNREFUSED: 'is the database running? check DATABASE_URL',
  ENOTFOUND: 'unknown host; check DATABASE_URL',
  '28P01': 'the database refused the password; check DATABASE_URL',
  '3D000': 'the database does not exist; create it or check DATABASE_URL',
};

/**
 * In `--json` mode stdout belongs to the result alone: libraries that log with console.log or
 * console.info (oidc-provider prints notices that way) are sent to stderr while a command runs.
 */
function keepStdoutForResult(): () => void {
  const { log, info } = console;
  console.log = console.error;
  console.info = console.error;
  return () => {
    console.log = log;
    console.info = info;
  };
}
