import type { Db } from './db.ts';
import { writeGeneration } from './write-watcher.ts';

export interface ReadCacheOptions<K, V> {
  /** The tables the value is read from: a write to any of them through this process drops every entry at once. */
  tables: readonly string[];
  /** How long a value read is reused: the delay before a change written by another process (the command line, another instance) applies here. */
  ttlMs: number;
  /** A bound on the entries, so that made-up keys cannot grow the cache; at the bound it starts over. */
  max: number;
  /** Whether an absent value (`undefined`) is kept too — only where the keys come from the store, not from requests. */
  keepMisses: boolean;
  load: (db: Db, key: K) => Promise<V | undefined>;
}

interface Entry<V> {
  at: number;
  generation: number;
  value: Promise<V | undefined>;
}

/**
 * A short-lived per-process cache of rows that every sign-in reads and admins rarely change (an app,
 * a company policy). Concurrent reads of one key share one statement; a failed read is not kept.
 * One cache per store (several Gatehouse instances may share a process, as in the tests).
 */
export function readCache<K, V>(o: ReadCacheOptions<K, V>): (db: Db, key: K) => Promise<V | undefined> {
  const caches = new WeakMap<Db, Map<K, Entry<V>>>();
  return (db, key) => {
    let cache = caches.get(db);
    if (!cache) caches.set(db, (cache = new Map()));
    const now = performance.now();
    const generation = writeGeneration(o.tables);
    const hit = cache.get(key);
    if (hit && hit.generation === generation && now - hit.at < o.ttlMs) return hit.value;
    const entry: Entry<V> = { at: now, generation, value: o.load(db, key) };
    if (cache.size >= o.max) cache.clear();
    cache.set(key, entry);
    const forget = () => {
      if (cache.get(key) === entry) cache.delete(key);
    };
    entry.value.then((v) => {
      if (v === undefined && !o.keepMisses) forget();
    }, forget);
    return entry.value;
  };
}
