import { createInterface } from 'node:readline';

/**
 * Questions asked on the terminal. Prompts go to stderr, so that stdout keeps only the result
 * (and stays one JSON value with `--json`).
 */
export function isInteractive(): boolean {
  return process.stdin.isTTY === true;
}

/** A line typed by the person, echoed. */
export function askLine(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((done) => {
    rl.question(prompt, (answer) => {
      rl.close();
      done(answer.trim());
    });
  });
}

/**
 * A secret typed by the person with echo off (raw mode: the characters are read one by one and
 * never written back). Ctrl-C ends the command as the shell expects (exit 130).
 */
export function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt appears: what is typed ahead of it must not be echoed either.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  stdin.resume();
  stdin.setEncoding('utf8');
  let typed = '';
  return new Promise((done) => {
    const finish = (value: string) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      done(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(typed);
        if (ch === '\u0003') {
          finish('');
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}
