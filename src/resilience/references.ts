// Ticket references for when Postgres is away. A caller must still hear their
// reference, so each instance keeps a block drawn ahead of time from the same
// sequence Postgres numbers tickets with (hi/lo): nobody else can be given those
// numbers. The unused block is kept on disk, and a reference is struck off the
// file before it is handed out, so none is ever given twice, even across a crash.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/db.ts';
import { writeFileDurably } from './journal.ts';

export class ReservedReferences {
  private refs: string[];

  private constructor(
    private readonly dir: string,
    private readonly path: string,
    refs: string[],
  ) {
    this.refs = refs;
  }

  static open(dir: string, name: string): ReservedReferences {
    const path = join(dir, `${name}.refs.json`);
    let refs: string[] = [];
    if (existsSync(path)) {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (Array.isArray(parsed)) refs = parsed.filter((r): r is string => typeof r === 'string' && /^[0-9]+$/.test(r));
    }
    return new ReservedReferences(dir, path, refs);
  }

  get size(): number {
    return this.refs.length;
  }

  /** The next reserved reference, struck off on disk first; null when the block is used up. */
  take(): string | null {
    const [next, ...rest] = this.refs;
    if (next === undefined) return null;
    writeFileDurably(this.dir, this.path, JSON.stringify(rest));
    this.refs = rest;
    return next;
  }

  /** A reference taken but not handed out (the call already had one): first in line again. */
  putBack(reference: string): void {
    const next = [reference, ...this.refs];
    writeFileDurably(this.dir, this.path, JSON.stringify(next));
    this.refs = next;
  }

  /** Draws `count` more numbers from the ticket sequence and keeps them. */
  async refill(db: Db, count: number): Promise<number> {
    if (count <= 0) return 0;
    const rows = await db.query<{ ref: string }>(
      "select nextval('ticket_reference_seq')::text as ref from generate_series(1, $1)",
      [count],
    );
    const drawn = rows.map((r) => r.ref);
    const next = [...this.refs, ...drawn];
    writeFileDurably(this.dir, this.path, JSON.stringify(next));
    this.refs = next;
    return drawn.length;
  }
}
