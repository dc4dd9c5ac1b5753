import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Db } from '../store/db.ts';
import type { Clock } from '../clock.ts';
import { param, precompile } from '../store/precompiled.ts';

interface ModelRow {
  payload: string;
  expires_at: number | null;
  consumed_at: number | null;
}

/** The adapter's statements, compiled once per model kind (they run several times per request). */
function statements(db: Db, kind: string) {
  const upsert = precompile<unknown, Record<string, unknown>>(db, () =>
    db
      .insertInto('oidc_models')
      .values({
        kind,
        id: param('id'),
        payload: param('payload'),
        grant_id: param('grant_id'),
        user_code: param('user_code'),
        uid: param('uid'),
        account_id: param('account_id'),
        expires_at: param('expires_at'),
        consumed_at: null,
      })
      // On conflict the new values are taken from `excluded`, so the payload is sent once, not twice.
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
      ),
  );
  const findBy = (column: 'id' | 'user_code' | 'uid') =>
    precompile<ModelRow, { value: string }>(db, () =>
      db.selectFrom('oidc_models').select(['payload', 'expires_at', 'consumed_at']).where('kind', '=', kind).where(column, '=', param<string>('value')).limit(1),
    );
  return {
    upsert,
    find: { id: findBy('id'), user_code: findBy('user_code'), uid: findBy('uid') },
    consume: precompile<unknown, { id: string; now: number }>(db, () =>
      db.updateTable('oidc_models').set({ consumed_at: param<number>('now') }).where('kind', '=', kind).where('id', '=', param<string>('id')).where('consumed_at', 'is', null),
    ),
    destroy: precompile<unknown, { id: string }>(db, () => db.deleteFrom('oidc_models').where('kind', '=', kind).where('id', '=', param<string>('id'))),
    revokeByGrantId: precompile<unknown, { grantId: string }>(db, () => db.deleteFrom('oidc_models').where('grant_id', '=', param<string>('grantId'))),
  };
}

/**
 * oidc-provider's storage in the Gatehouse store, so sessions, interactions, codes and tokens
 * survive a restart and are shared by every instance. `account_id` is kept in a column so that
 * "sign out everywhere" can find a person's sessions and grants.
 */
export function storeAdapterFactory(db: Db, clock: Clock) {
  const byKind = new Map<string, ReturnType<typeof statements>>();
  return class StoreAdapter implements Adapter {
    readonly #q: ReturnType<typeof statements>;

    constructor(private readonly kind: string) {
      let q = byKind.get(kind);
      if (!q) byKind.set(kind, (q = statements(db, kind)));
      this.#q = q;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await this.#q.upsert({
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        account_id: payload.accountId ?? null,
        expires_at: expiresIn ? clock.now() + expiresIn * 1000 : null,
      });
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
      const result = await this.#q.consume({ id, now: clock.now() });
      if (Number(result.numAffectedRows ?? 0) > 0) return;
      const row = await db.selectFrom('oidc_models').select('grant_id').where('kind', '=', this.kind).where('id', '=', id).executeTakeFirst();
      if (row?.grant_id) {
        await this.revokeByGrantId(row.grant_id);
        await db.deleteFrom('oidc_models').where('kind', '=', 'Grant').where('id', '=', row.grant_id).execute();
      }
      if (this.kind === 'PushedAuthorizationRequest') throw new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
      throw new errors.InvalidGrant(`${this.kind} already consumed`);
    }

    async destroy(id: string): Promise<void> {
      await this.#q.destroy({ id });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await this.#q.revokeByGrantId({ grantId });
    }

    async #findBy(column: 'id' | 'user_code' | 'uid', value: string): Promise<AdapterPayload | undefined> {
      const row = (await this.#q.find[column]({ value })).rows[0];
      if (!row || (row.expires_at !== null && row.expires_at <= clock.now())) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
      return payload;
    }
  };
}
