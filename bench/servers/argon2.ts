/**
 * The physical limit: a raw argon2id verify loop with Gatehouse's parameters (ARGON2_PARAMS),
 * `concurrency` verifies in flight on libuv's pool, in a process of its own like the servers.
 */
import { verify } from '@node-rs/argon2';
import { hashPassword } from '../../src/crypto/password.ts';
import { serve } from '../lib/ipc.ts';
import type { RoundResult } from '../lib/rounds.ts';

let encoded: string | undefined;

async function run({ seconds, concurrency }: { seconds: number; concurrency: number }): Promise<RoundResult> {
  const password = 'correct horse battery staple';
  encoded ??= await hashPassword(password);
  const hash = encoded;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let ops = 0;
  let errors = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      if (await verify(hash, password)) ops++;
      else errors++;
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { ops, errors, seconds: elapsed, serverCpuMs: (cpu.user + cpu.system) / 1000, generatorCpuMs: 0, serverCounters: {} };
}

serve({ run });
