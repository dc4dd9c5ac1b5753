import { randomId } from '../../../src/clock.ts';
import { createApp } from '../../../src/store/clients.ts';
import { createUser } from '../../../src/store/users.ts';
import { hashPassword } from '../../../src/crypto/password.ts';
import { newTotpSeed } from '../../../src/methods/totp/codes.ts';
import type { Seed } from '../gatehouse.ts';
import type { TotpFixture } from '../../lib/fixtures.ts';

/**
 * An app with the Required policy and `count` accounts, each with one active authenticator app
 * (TOTP), stored as the TOTP method stores a confirmed enrollment: the seed sealed under the row's
 * context. A code is accepted once per 30-second step, so the load generator needs many more
 * accounts than virtual users (see scenarios/totp-sign-in.ts). One password hash serves every
 * account: the hash's cost is per verify, not per account.
 */
const seed: Seed = async (gh, { count, password, redirectUri, prefix = 'totp' }: { count: number; password: string; redirectUri: string; prefix?: string }): Promise<TotpFixture> => {
  const { db, box, clock, random } = gh.deps;
  const app = await createApp(db, box, clock, random, { name: `Bench app (${prefix}, 2FA required)`, redirectUris: [redirectUri], firstParty: true, policy: 'required' });
  const passwordHash = await hashPassword(password);
  const users: TotpFixture['users'] = [];
  for (let i = 0; i < count; i++) {
    const email = `bench-${prefix}-${i}@example.com`;
    const user = await createUser(db, clock, random, { email, name: `Bench ${prefix} ${i}`, passwordHash, emailVerified: true });
    const id = randomId(random, 12);
    const totpSeed = newTotpSeed();
    await db
      .insertInto('mfa_methods')
      .values({
        id,
        user_id: user.id,
        type: 'totp',
        name: 'Authenticator app',
        status: 'active',
        is_default: 1,
        // The same context as src/methods/totp/index.ts seals with.
        secret: box.seal(totpSeed, `mfa_methods:${id}:totp`),
        credential_id: null,
        data: '{}',
        counter: -1,
        created_at: clock.now(),
        last_used_at: null,
      })
      .execute();
    users.push({ email, seed: totpSeed });
  }
  return { clientId: app.clientId, clientSecret: app.clientSecret!, users };
};
export default seed;
