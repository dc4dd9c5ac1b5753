import { loadConfig, ConfigError } from '../config.ts';
import { startGatehouse } from '../app.ts';

export async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  try {
    if (command === 'start') {
      const config = loadConfig();
      const gh = await startGatehouse(config);
      console.log(`Gatehouse is running at ${gh.url}`);
      return new Promise<number>(() => {});
    }
    console.error('usage: gatehouse start');
    return 2;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`gatehouse: configuration error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
