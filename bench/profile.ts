// Where the time goes: a `node --cpu-prof` profile summed up by the function that was
// on the CPU (self time), and by where that code lives (ours, a package, Node, GC).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  name: string;
  where: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Busy time (not idle), shared out by where the code lives. */
  byArea: { area: string; ms: number; percent: number }[];
  /**
   * Busy time by the nearest code of ours or of a package on the stack: a socket write
   * inside Node counts for pg, ioredis or undici, whichever asked for it.
   */
  byCaller: { area: string; ms: number; percent: number }[];
  top: Frame[];
  /** Set when start-up was left out: the samples counted begin at the first one inside this code. */
  from?: string;
}

/** Where the steady state begins: the first sample with this function (of this file) on its stack. */
export interface SteadyFrom {
  /** Part of the file's URL, e.g. `src/carriers/twilio/carrier.ts`. */
  url: string;
  functionName: string;
  /** For the report, e.g. "the carrier's Gather step". */
  label: string;
}

const ROOT = process.cwd();

/**
 * The main thread's profile in `dir`, summed up. With `--import tsx` the module loader
 * runs in a worker thread that writes a profile of its own: the busiest one is the line.
 */
export function summariseProfileDir(dir: string, top = 15, from?: SteadyFrom): ProfileSummary | null {
  const summaries = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => summariseProfile(join(dir, f), top, from));
  const busy = (s: ProfileSummary) => s.byArea.reduce((sum, a) => sum + a.ms, 0);
  // With `from`, the thread that ran that code is the line's (the loader's thread never does).
  const ran = (s: ProfileSummary) => (s.from ? 1 : 0);
  return summaries.sort((a, b) => ran(b) - ran(a) || busy(b) - busy(a))[0] ?? null;
}

/**
 * With `from`, samples before the first one inside that code are left out (start-up:
 * module loading and compiling under tsx, a third of a short run's profile), when the
 * profile holds that code at all.
 */
export function summariseProfile(path: string, top = 15, from?: SteadyFrom): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inside = new Map<number, boolean>();
  const isInside = (id: number): boolean => {
    let found = inside.get(id);
    if (found !== undefined) return found;
    const f = byId.get(id);
    const at = parent.get(id);
    found = !!from && !!f && f.url.includes(from.url) && f.functionName === from.functionName ? true : at !== undefined && isInside(at);
    inside.set(id, found);
    return found;
  };
  const start = from ? profile.samples.findIndex((id) => isInside(id)) : -1;
  const callerArea = new Map<number, string>();
  const callerOf = (id: number): string => {
    let found = callerArea.get(id);
    if (found !== undefined) return found;
    found = areaOf(byId.get(id)?.functionName ?? '', byId.get(id)?.url ?? '');
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at);
      if (f && f.url && !f.url.startsWith('node:') && !f.url.startsWith('wasm:')) {
        found = areaOf(f.functionName, f.url);
        break;
      }
    }
    callerArea.set(id, found);
    return found;
  };
  const self = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  const callers = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    if (i < start) return;
    const us = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id);
    if (!frame) return;
    total += us;
    const caller = callerOf(id);
    callers.set(caller, (callers.get(caller) ?? 0) + us);
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = frame.functionName || '(anonymous)';
    const key = `${name}@${where}`;
    const entry = self.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    self.set(key, entry);
    const area = areaOf(frame.functionName, frame.url);
    areas.set(area, (areas.get(area) ?? 0) + us);
  });
  const busy = total - (areas.get('(idle)') ?? 0);
  const pct = (us: number) => Math.round((us / Math.max(busy, 1)) * 1000) / 10;
  return {
    file: relative(ROOT, path),
    totalMs: Math.round(total / 1000),
    byArea: [...areas]
      .filter(([a]) => a !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([area, us]) => ({ area, ms: Math.round(us / 1000), percent: pct(us) })),
    byCaller: [...callers]
      .filter(([a]) => a !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 14)
      .map(([area, us]) => ({ area, ms: Math.round(us / 1000), percent: pct(us) })),
    top: [...self.values()]
      .filter((f) => f.name !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: Math.round(f.us / 1000), percent: pct(f.us) })),
    ...(from && start >= 0 ? { from: from.label } : {}),
  };
}

/** Node's own code, by what it does. */
function nodeArea(url: string): string {
  if (url.includes('/deps/undici')) return 'node: fetch (undici)';
  if (url.includes('/modules/') || url.includes('/bootstrap/')) return 'node: module loading (start-up)';
  if (url.includes('/streams/') || url.includes('stream_base')) return 'node: streams';
  if (url.includes('_http_') || url.startsWith('node:http')) return 'node: http';
  if (url.includes('/crypto')) return 'node: crypto';
  if (url.startsWith('node:net') || url.includes('/net')) return 'node: net';
  if (url.includes('event')) return 'node: events';
  if (url.includes('/worker/') || url.includes('abort') || url.includes('domexception')) return 'node: AbortSignal / DOMException';
  return 'node: other';
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + 1);
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

function areaOf(name: string, url: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return nodeArea(url);
  // undici's HTTP parser (llhttp) is WebAssembly.
  if (url.startsWith('wasm:')) return 'node: fetch (undici)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return `node_modules/${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const rel = path.startsWith(ROOT) ? relative(ROOT, path) : path;
  const parts = rel.split('/');
  if (parts[0] !== 'src') return parts.slice(0, 2).join('/');
  // Folders are the architecture: src/calls, src/store, src/carriers/ari, …
  return parts.slice(0, parts[1] === 'carriers' || parts[1] === 'http' ? 3 : 2).join('/');
}
