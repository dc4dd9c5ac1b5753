/**
 * The physical limit of a passkey sign-in: a raw ES256 (ECDSA P-256, SHA-256) signature
 * verification loop over an assertion-sized message (or, with `op: 'sign'`, a signing loop: an ID token), `concurrency` verifies in flight on libuv's
 * pool (node:crypto's asynchronous verify), in a process of its own like the servers.
 */
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { serve } from '../lib/ipc.ts';
import type { RoundResult } from '../lib/rounds.ts';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
// authenticatorData (37 bytes) ‖ SHA-256(clientDataJSON), as WebAuthn signs.
const message = Buffer.concat([Buffer.alloc(37, 1), createHash('sha256').update('{"type":"webauthn.get"}').digest()]);
const signature = sign('sha256', message, privateKey);

const verifyOnce = () =>
  new Promise<boolean>((resolve, reject) => verify('sha256', message, publicKey, signature, (err, ok) => (err ? reject(err) : resolve(ok))));
// `sign`: what issuing an ID token costs in cryptography (oidc-provider signs it with ES256).
const signOnce = () => new Promise<boolean>((resolve, reject) => sign('sha256', message, privateKey, (err, sig) => (err ? reject(err) : resolve(sig.length > 0))));

async function run({ seconds, concurrency, op = 'verify' }: { seconds: number; concurrency: number; op?: 'verify' | 'sign' }): Promise<RoundResult> {
  const once = op === 'sign' ? signOnce : verifyOnce;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let ops = 0;
  let errors = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      if (await once()) ops++;
      else errors++;
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { ops, errors, seconds: elapsed, serverCpuMs: (cpu.user + cpu.system) / 1000, generatorCpuMs: 0, serverCounters: {} };
}

serve({ run });
