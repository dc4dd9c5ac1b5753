import { command, type AnyCommand } from '../command.ts';
import { loadConfig } from '../../config.ts';

const migrate = command({
  path: ['migrate'],
  summary: 'Apply pending database migrations (start and every command also do this)',
  usage: '',
  options: {},
  async run({ out }) {
    const config = loadConfig();
    const [{ openDb }, { migrateToLatest }] = await Promise.all([import('../../store/db.ts'), import('../../store/migrate.ts')]);
    const db = openDb(config.databaseUrl);
    let applied: string[];
    try {
      applied = await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
    out.result({ applied }, applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}.` : 'The database is up to date.');
  },
});

export const migrateCommands: AnyCommand[] = [migrate];
