import type { Probe } from '../gatehouse.ts';

/** What a memory reading gives: bytes, after a forced collection when the process has --expose-gc. */
export interface MemoryReading {
  heapUsed: number;
  rss: number;
  external: number;
  /** Whether a collection was forced before reading (false: the numbers include garbage). */
  collected: boolean;
}

/** Reads this process's memory, after two forced collections (the second frees what finalizers released). */
const probe: Probe = async (): Promise<MemoryReading> => {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; gc && i < 2; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, collected: !!gc };
};
export default probe;
