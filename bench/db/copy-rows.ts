// COPY … FROM STDIN in Postgres's text format, fed by a generator of rows.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type Cell = string | number | boolean | null;

/** One value in COPY text format: \N for null; tabs, newlines and backslashes escaped. */
function cell(value: Cell): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Streams `rows` into `table (columns)`; returns how many rows went in. */
export async function copyRows(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  rows: Iterable<Cell[]>,
): Promise<number> {
  let count = 0;
  function* chunks(): Generator<string> {
    let chunk = '';
    let n = 0;
    for (const row of rows) {
      let line = '';
      for (let i = 0; i < row.length; i++) line += (i === 0 ? '' : '\t') + cell(row[i]!);
      chunk += `${line}\n`;
      count++;
      // About 256 rows a chunk: big enough to be cheap, small enough to keep memory flat.
      if (++n === 256) {
        yield chunk;
        chunk = '';
        n = 0;
      }
    }
    if (chunk) yield chunk;
  }
  const sink = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  await pipeline(Readable.from(chunks(), { objectMode: false }), sink);
  return count;
}
