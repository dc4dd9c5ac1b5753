import type { Config } from './config.ts';
import type { Db } from './store/db.ts';
import type { Clock, Random } from './clock.ts';
import type { SecretBox } from './crypto/secret-box.ts';
import type { Mailer } from './mail/mailer.ts';
import type { EventBus } from './store/events.ts';
import type { PushSender } from './methods/push/sender.ts';

/** What every flow and route is given: configuration, the store and its events, the clock and randomness, mail. */
export interface Deps {
  config: Config;
  db: Db;
  box: SecretBox;
  clock: Clock;
  random: Random;
  mailer: Mailer;
  /** Wakes waiters across instances (a push answer, a new request for a device). */
  events: EventBus;
  /** Delivers push requests to subscribed devices (Web Push); absent in commands that send none. */
  pushSender?: PushSender;
}
