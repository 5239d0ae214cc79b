// One process at a time for a file or folder that two processes would corrupt (an
// outbox journal, an embedded PGlite database): a lock file taken with O_EXCL that
// names its holder. A lock left by a process that has died is taken over.
//
// The holder is named by pid and, on Linux, the process's start time
// (/proc/<pid>/stat): in a container every incarnation is pid 1, so a pid alone
// would make a restarted container think its crashed predecessor still runs.
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

interface Holder {
  pid: number;
  /** Start time in clock ticks since boot (Linux); null where /proc is not there. */
  start: string | null;
}

/** Lock files this process holds. */
const held = new Set<string>();

/**
 * Takes the lock file `path` for this process. `refuse` makes the error thrown when it
 * is held: by another live process (its pid), or already by this one (null).
 */
export function lockFile(path: string, refuse: (holderPid: number | null) => Error): { release(): void } {
  const me: Holder = { pid: process.pid, start: startTime(process.pid) };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      held.add(path);
      return {
        release: () => {
          if (!held.delete(path)) return;
          if (sameHolder(readHolder(path), me)) removeIfExists(path);
        },
      };
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      if (holder && sameHolder(holder, me) && held.has(path)) throw refuse(null);
      if (holder && !sameHolder(holder, me) && alive(holder)) throw refuse(holder.pid);
      removeIfExists(path); // its process is gone (or it is an earlier incarnation of this pid)
    }
  }
  throw refuse(null);
}

function removeIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
}

function readHolder(path: string): Holder | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    const parsed: unknown = text.startsWith('{') ? JSON.parse(text) : { pid: Number(text), start: null };
    const h = parsed as { pid?: unknown; start?: unknown };
    if (typeof h.pid !== 'number' || !Number.isInteger(h.pid) || h.pid <= 0) return null;
    return { pid: h.pid, start: typeof h.start === 'string' ? h.start : null };
  } catch {
    return null;
  }
}

function sameHolder(a: Holder | null, b: Holder): boolean {
  return a !== null && a.pid === b.pid && a.start === b.start;
}

function alive(holder: Holder): boolean {
  if (holder.start !== null && existsSync('/proc/self/stat')) return startTime(holder.pid) === holder.start;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces). */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
