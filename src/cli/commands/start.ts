import { command, type AnyCommand } from '../command.ts';
import { loadConfig } from '../../config.ts';
import type { Demo } from '../../demo/index.ts';

/** If closing hangs (a stuck connection), give up rather than ignore the operator's Ctrl-C. */
const CLOSE_TIMEOUT_MS = 10_000;

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      // A second Ctrl-C while closing means "now".
      process.once('SIGINT', () => process.exit(130));
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

const start = command({
  path: ['start'],
  summary: 'Run the Gatehouse server (and, in development, the demo apps)',
  usage: '',
  options: {},
  async run({ out }) {
    // A production misconfiguration is a ConfigError here: nothing is opened or listened on.
    const config = loadConfig();
    const signal = untilSignal();
    // Loaded on demand, so that other commands (and `help`) start without the HTTP server.
    const [{ startGatehouse }, { startDemo, DEMO_USER }] = await Promise.all([import('../../app.ts'), import('../../demo/index.ts')]);
    // The GeoIP ranges are read now, so that no sign-in waits for them (src/policy/risk/geo/).
    (await import('../../policy/risk/geo/ip-country.ts')).loadIpCountries();
    const gh = await startGatehouse(config);
    let demo: Demo | undefined;
    try {
      if (config.demo) demo = await startDemo(gh);
    } catch (err) {
      await gh.close();
      throw err;
    }
    out.result({ url: gh.url, demo: demo ? { apps: demo.apps, user: DEMO_USER } : null }, () => {
      const lines = [`Gatehouse is running at ${gh.url}`];
      if (demo) {
        lines.push('', 'Demo apps (sign in to one, then open another for single sign-on):');
        const width = Math.max(0, ...demo.apps.map((a) => a.name.length));
        for (const app of demo.apps) lines.push(`  ${app.name.padEnd(width)}  ${app.url}`);
        lines.push('', `Demo user: ${DEMO_USER.email} / ${DEMO_USER.password}`);
      }
      if (config.secretKeyGenerated) lines.push('', `Development secret key: ${config.dataDir}/secret.key (set GATEHOUSE_SECRET_KEY in production)`);
      lines.push('', 'Press Ctrl-C to stop.');
      return lines.join('\n');
    });

    const received = await signal;
    out.note(`Received ${received}, shutting down…`);
    const timer = setTimeout(() => process.exit(1), CLOSE_TIMEOUT_MS);
    timer.unref();
    await demo?.close();
    await gh.close();
    clearTimeout(timer);
  },
});

export const startCommands: AnyCommand[] = [start];
