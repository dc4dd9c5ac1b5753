import { command, type AnyCommand } from '../command.ts';
import { withStore } from '../store.ts';
import { table, isoTime } from '../output.ts';
import type { Db } from '../../store/db.ts';
import { audit } from '../../store/audit.ts';
import { createSigningKey, RETIRED_KEY_PUBLISHED_MS } from '../../store/keys.ts';

const PUBLISHED_HOURS = RETIRED_KEY_PUBLISHED_MS / 3600_000;

/** The signing keys' public facts, newest first. Only these columns are read: the private JWK never leaves the store. */
async function keyFacts(db: Db, now: number) {
  const rows = await db.selectFrom('signing_keys').select(['kid', 'alg', 'created_at', 'retired_at']).orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({
    kid: r.kid,
    alg: r.alg,
    createdAt: isoTime(r.created_at)!,
    retiredAt: isoTime(r.retired_at),
    /** Signing with it (active), still in the JWKS for verification (retired), or gone from the JWKS (expired). */
    status: r.retired_at === null ? 'active' : Number(r.retired_at) > now - RETIRED_KEY_PUBLISHED_MS ? 'retired' : 'expired',
    publishedUntil: r.retired_at === null ? null : isoTime(Number(r.retired_at) + RETIRED_KEY_PUBLISHED_MS),
  }));
}

const rotate = command({
  path: ['keys', 'rotate'],
  summary: 'Create a new signing key; the previous one is retired but stays published',
  usage: '',
  options: {},
  async run({ out }) {
    const result = await withStore(async (deps) => {
      const previous = (await keyFacts(deps.db, deps.clock.now())).find((k) => k.status === 'active');
      const kid = await createSigningKey(deps.db, deps.box, deps.clock);
      await audit(deps.db, deps.clock, { event: 'keys.rotated', details: { via: 'cli', kid, previousKid: previous?.kid ?? null } });
      return { kid, previousKid: previous?.kid ?? null, retiredKeyPublishedHours: PUBLISHED_HOURS };
    });
    out.result(result, () =>
      [
        `New signing key ${result.kid} created.`,
        'Running instances pick it up at their next start; restart them to sign with it.',
        result.previousKid
          ? `The previous key ${result.previousKid} stays published in the JWKS for ${PUBLISHED_HOURS} h, so tokens it signed still verify.`
          : 'There was no previous key.',
      ].join('\n'),
    );
  },
});

const list = command({
  path: ['keys', 'list'],
  summary: 'List signing keys (kid, created, retired; never private material)',
  usage: '',
  options: {},
  async run({ out }) {
    const keys = await withStore((deps) => keyFacts(deps.db, deps.clock.now()));
    out.result(keys, () =>
      table(
        keys.map((k) => ({ ...k, retiredAt: k.retiredAt ?? '', publishedUntil: k.publishedUntil ?? '' })),
        [['kid', 'KID'], ['alg', 'ALG'], ['status', 'STATUS'], ['createdAt', 'CREATED'], ['retiredAt', 'RETIRED'], ['publishedUntil', 'PUBLISHED UNTIL']],
        'No signing keys yet (one is created at first start).',
      ),
    );
  },
});

export const keysCommands: AnyCommand[] = [rotate, list];
