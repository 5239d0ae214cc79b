// One process per outbox name. Two processes appending to (and truncating) one
// journal would lose each other's entries, so the second refuses to start.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lockFile } from '../store/process-lock.ts';

export class OutboxInUseError extends Error {
  override readonly name = 'OutboxInUseError';
}

/** Takes `<dir>/<name>.lock` for this process; a lock left by a process that has died is taken over. */
export function lockOutbox(dir: string, name: string): { release(): void } {
  // The lock is the first thing written to the outbox: a fresh OUTBOX_DIR is made here.
  mkdirSync(dir, { recursive: true });
  return lockFile(join(dir, `${name}.lock`), (pid) =>
    pid === null
      ? new OutboxInUseError(`outbox ${name} in ${dir} is already open in this process`)
      : new OutboxInUseError(`outbox ${name} in ${dir} is in use by process ${pid}: give each instance its own INSTANCE_ID`),
  );
}
