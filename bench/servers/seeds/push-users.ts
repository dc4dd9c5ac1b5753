import type { JWK } from 'jose';
import { createApp } from '../../../src/store/clients.ts';
import { createUser } from '../../../src/store/users.ts';
import { hashPassword } from '../../../src/crypto/password.ts';
import { activateMethod, insertPendingMethod } from '../../../src/methods/records.ts';
import type { Seed } from '../gatehouse.ts';
import type { PushFixture } from '../../lib/fixtures.ts';

/**
 * An app with the Required policy and one account per public key given (or `count` accounts sharing
 * the keys in turn), each with an active Gatehouse Authenticator device holding that key, stored as
 * the enrollment stores it (src/methods/push/registration.ts: a pending push method with the public
 * JWK, activated by its first approval) — through the same store functions. The private keys stay
 * with the load generator, which plays the phones. One password hash serves every account.
 */
const seed: Seed = async (gh, a: { keys: JWK[]; count?: number; prefix: string; password: string; redirectUri: string }): Promise<PushFixture> => {
  const { db, box, clock, random } = gh.deps;
  const app = await createApp(db, box, clock, random, { name: `Bench app (${a.prefix}, 2FA required)`, redirectUris: [a.redirectUri], firstParty: true, policy: 'required' });
  const passwordHash = await hashPassword(a.password);
  const count = a.count ?? a.keys.length;
  const users: PushFixture['users'] = [];
  const one = async (i: number) => {
    const email = `bench-${a.prefix}-${i}@example.com`;
    const user = await createUser(db, clock, random, { email, name: `Bench ${a.prefix} ${i}`, passwordHash, emailVerified: true });
    const deviceId = await insertPendingMethod(db, clock, random, { userId: user.id, type: 'push', name: 'Bench phone', data: { publicKey: a.keys[i % a.keys.length]! } });
    if (!(await activateMethod(db, clock, user.id, deviceId))) throw new Error('push device not activated');
    users[i] = { id: user.id, email, deviceId };
  };
  // A few at a time: PostgreSQL round trips overlap; SQLite runs them one after another anyway.
  for (let i = 0; i < count; i += 16) await Promise.all(Array.from({ length: Math.min(16, count - i) }, (_, k) => one(i + k)));
  return { clientId: app.clientId, clientSecret: app.clientSecret!, users };
};
export default seed;
