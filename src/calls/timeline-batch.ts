// Timeline writes of steps that finish in the same turn of the event loop go to Postgres
// as one statement: under load each key press cost a round trip and a commit of its own
// (about a tenth of the line's CPU on the Gather step). Every caller still learns the
// fate of its own entries: a batch refused for one step's rows (a call row not there yet,
// a value Postgres cannot take) is written again step by step, so only that step fails.
import { ConflictError, InputError, ValidationError } from '../store/errors.ts';
import type { TimelineEntry } from './records.ts';

type Write = (entries: readonly TimelineEntry[]) => Promise<void>;

interface Waiting {
  entries: readonly TimelineEntry[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * `write` batched: the entries of every call made before the event loop's next check
 * phase (setImmediate) are written together. A write made alone is written alone.
 */
export function batchTimelineWrites(write: Write): Write {
  let waiting: Waiting[] = [];

  async function flush(): Promise<void> {
    const batch = waiting;
    waiting = [];
    if (batch.length === 1) {
      const [only] = batch as [Waiting];
      await write(only.entries).then(only.resolve, only.reject);
      return;
    }
    try {
      await write(batch.flatMap((w) => w.entries));
      for (const w of batch) w.resolve();
    } catch (err) {
      if (!causedByRows(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
      // Which step's rows? Each is written alone and hears its own answer.
      await Promise.all(batch.map((w) => write(w.entries).then(w.resolve, w.reject)));
    }
  }

  return (entries) => {
    if (entries.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(() => void flush());
      waiting.push({ entries, resolve, reject });
    });
  };
}

/** A refusal some rows caused (Postgres classes 22 and 23, as the store types them), not the connection's. */
function causedByRows(err: unknown): boolean {
  if (err instanceof ValidationError || err instanceof InputError || err instanceof ConflictError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}
