import { loadConfig, type Config } from '../config.ts';
import type { Deps } from '../context.ts';
import { SecretBox } from '../crypto/secret-box.ts';
import { systemClock, systemRandom } from '../clock.ts';

/**
 * The same dependencies as the server's `buildDeps` (src/app.ts), assembled here because importing
 * app.ts loads the HTTP server and oidc-provider, which store commands never use. The store and
 * mail modules are loaded on first use too, so that a usage error answers at once (through tsx,
 * Kysely's many modules take about a second to load). `Deps` is one type, so a field added
 * there fails to compile here too.
 */
async function cliDeps(config: Config): Promise<Deps> {
  const [{ openDb }, { outboxMailer, smtpMailer }] = await Promise.all([import('../store/db.ts'), import('../mail/mailer.ts')]);
  const db = openDb(config.databaseUrl);
  const mailer = config.smtpUrl ? smtpMailer(config.smtpUrl, config.mailFrom) : outboxMailer(db, systemClock);
  // Commands wake no waiter of a running server: an in-process bus is enough (waiters re-read the store).
  const { inProcessBus } = await import('../store/events.ts');
  return { config, db, clock: systemClock, random: systemRandom, box: new SecretBox(config.secretKey), mailer, events: inProcessBus() };
}

/**
 * Runs `fn` against the store the server uses (same environment, same `loadConfig`), after
 * applying pending migrations — so a command works on a fresh database — and always closes it.
 */
export async function withStore<T>(fn: (deps: Deps) => Promise<T>, config: Config = loadConfig()): Promise<T> {
  const deps = await cliDeps(config);
  try {
    const { migrateToLatest } = await import('../store/migrate.ts');
    await migrateToLatest(deps.db);
    return await fn(deps);
  } finally {
    await deps.db.destroy();
  }
}
