import { randomId } from '../../../src/clock.ts';
import { createUser } from '../../../src/store/users.ts';
import { hashPassword } from '../../../src/crypto/password.ts';
import type { Seed } from '../gatehouse.ts';
import type { PasskeyFixture } from '../../lib/fixtures.ts';
import type { PasskeyPublic } from '../../lib/webauthn.ts';

/**
 * One account per credential given, each with that credential as an active WebAuthn method,
 * stored as a verified registration stores it (src/methods/webauthn/index.ts): the credential id
 * and the COSE public key; counter 0, as synced passkeys report. The private keys stay with the
 * load generator, which signs the assertions.
 */
const seed: Seed = async (gh, { keys, password }: { keys: PasskeyPublic[]; password: string }): Promise<PasskeyFixture> => {
  const { db, clock, random } = gh.deps;
  const passwordHash = await hashPassword(password);
  const userIds: string[] = [];
  for (const [i, key] of keys.entries()) {
    const user = await createUser(db, clock, random, { email: `bench-passkey-${i}@example.com`, name: `Bench passkey ${i}`, passwordHash, emailVerified: true });
    await db
      .insertInto('mfa_methods')
      .values({
        id: randomId(random, 12),
        user_id: user.id,
        type: 'webauthn',
        name: 'Passkey',
        status: 'active',
        is_default: 1,
        secret: null,
        credential_id: key.id,
        data: JSON.stringify({ publicKey: key.publicKey, transports: ['internal'], backedUp: true, deviceType: 'multiDevice' }),
        counter: 0,
        created_at: clock.now(),
        last_used_at: null,
      })
      .execute();
    userIds.push(user.id);
  }
  return { userIds };
};
export default seed;
