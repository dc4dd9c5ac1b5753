import { createApp } from '../../../src/store/clients.ts';
import { createUser } from '../../../src/store/users.ts';
import { hashPassword } from '../../../src/crypto/password.ts';
import type { Seed } from '../gatehouse.ts';
import type { PasswordFixture } from '../../lib/fixtures.ts';

/**
 * A first-party confidential app and `count` verified users sharing one password. Enough users
 * that no per-account state (failure counters, sessions) is shared between virtual users.
 * The app's 2FA policy is Bypass: these users have no second factor, and an Adaptive app would
 * suggest the enrollment wizard — this scenario measures the password sign-in itself.
 */
const seed: Seed = async (gh, { count, password, redirectUri }: { count: number; password: string; redirectUri: string }): Promise<PasswordFixture> => {
  const { db, box, clock, random } = gh.deps;
  const app = await createApp(db, box, clock, random, { name: 'Bench app', redirectUris: [redirectUri], firstParty: true, policy: 'bypass' });
  const emails: string[] = [];
  for (let i = 0; i < count; i++) {
    const email = `bench-${i}@example.com`;
    await createUser(db, clock, random, { email, name: `Bench ${i}`, passwordHash: await hashPassword(password), emailVerified: true });
    emails.push(email);
  }
  return { clientId: app.clientId, clientSecret: app.clientSecret!, emails };
};
export default seed;
