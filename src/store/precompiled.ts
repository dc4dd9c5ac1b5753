import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Db } from './db.ts';

const MARK = '\u0000gatehouse-param:';

/** A stand-in for a parameter while a query is compiled once; replaced by the real value on each run. */
export function param<T = unknown>(name: string): T {
  return `${MARK}${name}` as unknown as T;
}

/**
 * A query built and compiled once, then run many times with new parameter values. On the hot
 * paths (oidc-provider's adapter: several statements per token request) this skips Kysely's
 * build-and-compile step, which the bench showed to be a third of the server's time.
 */
export function precompile<R, P extends Record<string, unknown>>(db: Db, build: () => Compilable<R>) {
  let compiled: CompiledQuery<R> | undefined;
  // Where each named parameter goes, found once: a run only copies values into place.
  let slots: Array<{ at: number; name: string }> = [];
  return (values: P): Promise<QueryResult<R>> => {
    if (!compiled) {
      compiled = build().compile();
      slots = compiled.parameters.flatMap((p, at) => (typeof p === 'string' && p.startsWith(MARK) ? [{ at, name: p.slice(MARK.length) }] : []));
    }
    const parameters = compiled.parameters.slice();
    for (const { at, name } of slots) {
      if (!(name in values)) throw new Error(`precompiled query: missing parameter ${name}`);
      parameters[at] = values[name];
    }
    return db.executeQuery<R>({ ...compiled, parameters });
  };
}

/**
 * A set of precompiled statements made once per store (a `Db`; a transaction is a store of its own),
 * for modules whose statements run on every sign-in.
 */
export function perStore<T>(make: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let s = made.get(db);
    if (!s) {
      s = make(db);
      made.set(db, s);
    }
    return s;
  };
}
