// The outbox's durable half: an append-only journal file, one JSON line per write the
// line could not make in Postgres, fsync'd before the caller's step goes on, so a
// crash or a restart loses nothing that was accepted.
//
// Why a file of our own rather than an embedded database: the outbox is written only
// while Postgres is away and read back in order once; an append with fdatasync is the
// whole durability story, it needs no new dependency, and an operator can read it
// with `cat`. An embedded PGlite would hold a second schema to keep in step.
//
// Format: `{"id","op","write","at"}` lines, and `{"ack": id}` lines once an entry
// is in Postgres. Entries are acknowledged in any order (a call's write may wait for
// another instance's journal while later calls' writes go ahead). A torn last line (a crash in
// the middle of an append that never returned) is dropped. When nothing is pending
// the file is truncated; on open it is rewritten with only the pending entries.
import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface JournalEntry<W = unknown> {
  /** Unique across instances and restarts: Postgres remembers it once applied. */
  id: string;
  write: W;
  /** When it was journaled (ISO). */
  at: string;
}

export interface JournalOpenReport {
  pending: number;
  /** Lines that could not be read (a torn last line, or damage), kept aside in `<name>.bad`. */
  unreadable: number;
}

export class Journal<W = unknown> {
  private fd: number;
  private readonly queue: JournalEntry<W>[] = [];

  private constructor(
    readonly path: string,
    fd: number,
    pending: JournalEntry<W>[],
  ) {
    this.fd = fd;
    this.queue = pending;
  }

  /** Opens (or creates) `<dir>/<name>.jsonl` and reads what is still pending. */
  static open<W>(dir: string, name: string): { journal: Journal<W>; report: JournalOpenReport } {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name}.jsonl`);
    const { pending, bad } = existsSync(path) ? readPending<W>(readFileSync(path, 'utf8')) : { pending: [], bad: [] };
    if (bad.length > 0) appendFileDurably(join(dir, `${name}.bad`), bad.map((l) => `${l}\n`).join(''));
    // Rewrite with only the pending entries, atomically, so acks do not pile up across restarts.
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, pending.map((e) => `${JSON.stringify(e)}\n`).join(''));
    fsyncFile(tmp);
    renameSync(tmp, path);
    fsyncDir(dir);
    const fd = openSync(path, 'a');
    return { journal: new Journal<W>(path, fd, pending), report: { pending: pending.length, unreadable: bad.length } };
  }

  get size(): number {
    return this.queue.length;
  }

  /** Every entry not yet acknowledged, oldest first (a copy). */
  pending(): JournalEntry<W>[] {
    return [...this.queue];
  }

  /** The oldest entry not yet acknowledged. */
  head(): JournalEntry<W> | undefined {
    return this.queue[0];
  }

  /** Durable when it returns. */
  append(entry: JournalEntry<W>): void {
    this.writeLine(JSON.stringify(entry), true);
    this.queue.push(entry);
  }

  /**
   * Entry `id` is in Postgres. It leaves the queue first, so a failure to write the
   * ack (a full disk) only means a restart replays it, and Postgres knows it as applied.
   */
  ack(id: string): void {
    const at = this.queue.findIndex((e) => e.id === id);
    if (at < 0) throw new Error(`journal ${this.path}: ack of ${id}, which is not pending`);
    this.queue.splice(at, 1);
    if (this.queue.length === 0) {
      // Everything is in Postgres: start the file afresh (O_APPEND writes go to the new end).
      ftruncateSync(this.fd, 0);
      fdatasyncSync(this.fd);
    } else {
      // Not fsync'd: losing an ack replays an entry Postgres already refuses as applied.
      this.writeLine(JSON.stringify({ ack: id }), false);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  private writeLine(line: string, durable: boolean): void {
    if (this.fd < 0) throw new Error(`journal ${this.path} is closed`);
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    if (durable) fdatasyncSync(this.fd);
  }
}

function readPending<W>(text: string): { pending: JournalEntry<W>[]; bad: string[] } {
  const entries: JournalEntry<W>[] = [];
  const acked = new Set<string>();
  const bad: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      bad.push(line);
      continue;
    }
    const record = parsed as { id?: unknown; ack?: unknown; write?: unknown; at?: unknown };
    if (typeof record.ack === 'string') acked.add(record.ack);
    else if (typeof record.id === 'string' && record.write !== undefined && typeof record.at === 'string') {
      entries.push({ id: record.id, write: record.write as W, at: record.at });
    } else bad.push(line);
  }
  return { pending: entries.filter((e) => !acked.has(e.id)), bad };
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  // A rename is durable once the directory is; some platforms cannot open a directory.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

/** Lines in a text file (0 when it does not exist). */
export function countLines(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
}

export function appendFileDurably(path: string, text: string): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, text);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` with `text` atomically and durably (write, fsync, rename, fsync the directory). */
export function writeFileDurably(dir: string, path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  fsyncFile(tmp);
  renameSync(tmp, path);
  fsyncDir(dir);
}

export function removeIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
}
