import type { Gatehouse } from '../app.ts';
import { APP_POLICIES, findClientRow, type AppPolicy } from '../store/clients.ts';
import { DEMO_APPS, DEMO_USER as USER } from './catalog.ts';
import { demoClientSecret, seedDemo } from './seed.ts';
import { startDemoClient, type DemoClient } from './client-app.ts';

/** The demo account's credentials (README lists them). */
export const DEMO_USER = { email: USER.email, password: USER.password } as const;

export interface DemoOptions {
  /**
   * Ports of Expense, Payroll and Directory, in that order (tests pass free ones).
   * @default Gatehouse's port + 1, + 2, + 3
   */
  ports?: readonly [number, number, number];
  /** @default 'localhost' */
  host?: string;
}

export interface Demo {
  apps: Array<{ name: string; url: string }>;
  close(): Promise<void>;
}

/**
 * The development demo: seeds the demo organization, user and apps, and serves the three demo
 * applications, each on its own port. `gatehouse start` calls it when `config.demo` is on.
 */
export async function startDemo(gh: Gatehouse, options: DemoOptions = {}): Promise<Demo> {
  const { deps } = gh;
  const host = options.host ?? 'localhost';
  const placed = DEMO_APPS.map((app, i) => {
    const port = options.ports?.[i] ?? deps.config.port + app.portOffset;
    return { app, port, baseUrl: `http://localhost:${port}` };
  });
  await seedDemo(deps, placed);

  const started: DemoClient[] = [];
  try {
    for (const p of placed) {
      started.push(
        await startDemoClient({
          app: p.app,
          issuer: gh.url,
          clientSecret: demoClientSecret(deps.config.secretKey, p.app.clientId),
          baseUrl: p.baseUrl,
          port: p.port,
          host,
          // "Open Payroll" starts a sign-in there: with a Gatehouse session it completes without a password.
          others: placed.filter((o) => o !== p).map((o) => ({ name: o.app.name, url: `${o.baseUrl}/login` })),
          async policy(): Promise<AppPolicy> {
            const policy = (await findClientRow(deps.db, p.app.clientId))?.policy;
            return (APP_POLICIES as readonly string[]).includes(policy ?? '') ? (policy as AppPolicy) : p.app.policy;
          },
        }),
      );
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
  return {
    apps: placed.map((p) => ({ name: p.app.name, url: p.baseUrl })),
    close: async () => {
      await Promise.all(started.map((s) => s.close()));
    },
  };
}
