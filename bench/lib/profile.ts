import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, a Gatehouse source file, Node itself, or V8's pseudo-frames. */
function owner(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/((?:src|bench|test)\/.*)$/.exec(url);
  return own ? own[1]! : url;
}

const IDLE = new Set(['(idle)', '(program)']);

/**
 * Reads a CPU profile of the server's main thread (argon2 runs on libuv's pool and is not in it:
 * what remains is what the server adds around the hash) and lists, as shares of the busy time,
 * the owners with any frame on the stack (inclusive: "time spent in or under the store"), the
 * owners' own time (self) and the hottest functions.
 */
export function summarizeProfile(file: string, title: string, top = 15): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const inclusive = new Map<string, number>();
  const selfByOwner = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);
  let busy = 0;
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    const leaf = byId.get(id)!;
    if (IDLE.has(leaf.callFrame.functionName)) return;
    busy += us;
    const o = owner(leaf.callFrame);
    add(selfByOwner, o, us);
    add(selfByFn, `${leaf.callFrame.functionName || '(anonymous)'} ${o}${leaf.callFrame.url ? `:${leaf.callFrame.lineNumber + 1}` : ''}`, us);
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) if (n.callFrame.url) seen.add(owner(n.callFrame));
    for (const s of seen) add(inclusive, s, us);
  });
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, skip: (k: string) => boolean = () => false) =>
    [...m].filter(([k]) => !skip(k)).sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `    ${pct(us)}  ${k}`).join('\n');
  return [
    `### ${title}: Gatehouse main thread, ${(busy / 1e6).toFixed(1)} s busy (${file})`,
    '  in or under (inclusive):',
    list(inclusive, (k) => k.startsWith('node:internal/process') || k.startsWith('node:internal/async_hooks')),
    '  own time by owner (self):',
    list(selfByOwner),
    '  hottest functions (self):',
    list(selfByFn),
  ].join('\n');
}
