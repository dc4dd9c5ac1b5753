import type { Config } from './config.ts';
import type { Db } from './store/db.ts';
import type { Clock, Random } from './clock.ts';
import type { SecretBox } from './crypto/secret-box.ts';
import type { Mailer } from './mail/mailer.ts';

/** What every flow and route is given: configuration, the store, the clock and randomness, mail. */
export interface Deps {
  config: Config;
  db: Db;
  box: SecretBox;
  clock: Clock;
  random: Random;
  mailer: Mailer;
}
