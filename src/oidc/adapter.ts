import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Db } from '../store/db.ts';
import type { Clock } from '../clock.ts';

/**
 * oidc-provider's storage in the Gatehouse store, so sessions, interactions, codes and tokens
 * survive a restart and are shared by every instance. `account_id` is kept in a column so that
 * "sign out everywhere" can find a person's sessions and grants.
 */
export function storeAdapterFactory(db: Db, clock: Clock) {
  return class StoreAdapter implements Adapter {
    constructor(private readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        account_id: payload.accountId ?? null,
        expires_at: expiresIn ? clock.now() + expiresIn * 1000 : null,
        consumed_at: null,
      };
      // On conflict the new values are taken from `excluded`, so the payload is sent once, not twice.
      await db
        .insertInto('oidc_models')
        .values({ kind: this.kind, id, ...row })
        .onConflict((oc) =>
          oc.columns(['kind', 'id']).doUpdateSet((eb) => ({
            payload: eb.ref('excluded.payload'),
            grant_id: eb.ref('excluded.grant_id'),
            user_code: eb.ref('excluded.user_code'),
            uid: eb.ref('excluded.uid'),
            account_id: eb.ref('excluded.account_id'),
            expires_at: eb.ref('excluded.expires_at'),
            consumed_at: null,
          })),
        )
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('id', id);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('user_code', userCode);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('uid', uid);
    }

    /**
     * Marks a one-time artefact (code, refresh token, PAR) used. oidc-provider reads `consumed` and
     * then calls this, so two parallel requests with the same code could both pass its check: the
     * update only succeeds for the first, and a loser is treated as a replay — the grant is revoked
     * (as oidc-provider does for a sequential replay) and the request fails.
     */
    async consume(id: string): Promise<void> {
      const result = await db
        .updateTable('oidc_models')
        .set({ consumed_at: clock.now() })
        .where('kind', '=', this.kind)
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) return;
      const row = await db.selectFrom('oidc_models').select('grant_id').where('kind', '=', this.kind).where('id', '=', id).executeTakeFirst();
      if (row?.grant_id) {
        await this.revokeByGrantId(row.grant_id);
        await db.deleteFrom('oidc_models').where('kind', '=', 'Grant').where('id', '=', row.grant_id).execute();
      }
      if (this.kind === 'PushedAuthorizationRequest') throw new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
      throw new errors.InvalidGrant(`${this.kind} already consumed`);
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidc_models').where('kind', '=', this.kind).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_models').where('grant_id', '=', grantId).execute();
    }

    async #findBy(column: 'id' | 'user_code' | 'uid', value: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidc_models')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('kind', '=', this.kind)
        .where(column, '=', value)
        .executeTakeFirst();
      if (!row || (row.expires_at !== null && row.expires_at <= clock.now())) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
      return payload;
    }
  };
}

/** Removes expired rows; run periodically by the server. */
export async function purgeExpiredModels(db: Db, clock: Clock): Promise<void> {
  await db.deleteFrom('oidc_models').where('expires_at', '<=', clock.now()).execute();
}
