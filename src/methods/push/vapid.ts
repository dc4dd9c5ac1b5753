import webpush from 'web-push';
import type { Deps } from '../../context.ts';
import type { VapidKeys } from './sender.ts';

const ID = 'default';
const context = (id: string) => `vapid_keys:${id}`;

/** Loads the VAPID keys, creating them at first start (sealed at rest like the signing keys). */
export async function ensureVapidKeys(deps: Deps): Promise<VapidKeys> {
  const existing = await deps.db.selectFrom('vapid_keys').selectAll().where('id', '=', ID).executeTakeFirst();
  if (existing) return { publicKey: existing.public_key, privateKey: deps.box.openString(existing.private_key, context(ID)) };
  const keys = webpush.generateVAPIDKeys();
  // Two instances starting at once: the first insert wins and both read it back.
  await deps.db
    .insertInto('vapid_keys')
    .values({ id: ID, public_key: keys.publicKey, private_key: deps.box.seal(keys.privateKey, context(ID)), created_at: deps.clock.now() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return ensureVapidKeys(deps);
}

/** The public key the app subscribes with (`applicationServerKey`). */
export async function vapidPublicKey(deps: Deps): Promise<string> {
  return (await ensureVapidKeys(deps)).publicKey;
}
