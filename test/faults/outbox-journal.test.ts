// The outbox's files on their own: what survives a crash in the middle of an
// append, what an acknowledgement leaves behind, and who may open a journal.
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/resilience/journal.ts';
import { lockOutbox, OutboxInUseError } from '../../src/resilience/instance-lock.ts';
import { ReservedReferences } from '../../src/resilience/references.ts';
import { tempDir, until } from '../support/instances.ts';

const dirs: ReturnType<typeof tempDir>[] = [];
const dir = () => {
  const d = tempDir('sl-journal-');
  dirs.push(d);
  return d.path;
};
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

const entry = (id: string) => ({ id, at: '2026-11-21T03:00:00.000Z', write: { op: 'updateCall', callId: id, summary: {} } });

describe('the journal', () => {
  it('keeps what was appended, in order, across a reopen, and drops a line torn by a crash', () => {
    const path = dir();
    const { journal } = Journal.open(path, 'a');
    journal.append(entry('1'));
    journal.append(entry('2'));
    journal.close();
    // A crash in the middle of the third append.
    appendFileSync(join(path, 'a.jsonl'), '{"id":"3","at":"2026-11-2');
    const { journal: again, report } = Journal.open(path, 'a');
    expect(again.pending().map((e) => e.id)).toEqual(['1', '2']);
    expect(report).toEqual({ pending: 2, unreadable: 1 });
    expect(readFileSync(join(path, 'a.bad'), 'utf8')).toContain('"id":"3"');
    again.close();
  });

  it('forgets acknowledged entries, in any order, and is empty on disk once all are', () => {
    const path = dir();
    const { journal } = Journal.open(path, 'a');
    for (const id of ['1', '2', '3']) journal.append(entry(id));
    journal.ack('1');
    // Out of order: a later call's write went ahead of one that waits for another instance.
    journal.ack('3');
    expect(() => journal.ack('3')).toThrow(/not pending/);
    journal.append(entry('4'));
    journal.close();
    const { journal: again } = Journal.open(path, 'a');
    expect(again.pending().map((e) => e.id)).toEqual(['2', '4']);
    again.ack('4');
    again.ack('2');
    expect(readFileSync(join(path, 'a.jsonl'), 'utf8')).toBe('');
    again.append(entry('5'));
    expect(readFileSync(join(path, 'a.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    again.close();
  });
});

describe('reserved ticket references', () => {
  it('are struck off on disk before they are handed out', () => {
    const path = dir();
    writeFileSync(join(path, 'a.refs.json'), JSON.stringify(['2001', '2002']));
    const refs = ReservedReferences.open(path, 'a');
    expect(refs.take()).toBe('2001');
    // A crash now: the next run does not hand 2001 out again.
    expect(ReservedReferences.open(path, 'a').take()).toBe('2002');
    expect(ReservedReferences.open(path, 'a').take()).toBeNull();
  });
});

describe('one process per outbox', () => {
  it('an OUTBOX_DIR that does not exist yet is made, not a failed start-up', () => {
    const path = join(dir(), 'not', 'there', 'yet');
    const lock = lockOutbox(path, 'a');
    expect(readFileSync(join(path, 'a.lock'), 'utf8')).toContain(String(process.pid));
    lock.release();
  });

  it('a second opening in this process is refused until the first is released', () => {
    const path = dir();
    const first = lockOutbox(path, 'a');
    expect(() => lockOutbox(path, 'a')).toThrow(OutboxInUseError);
    first.release();
    lockOutbox(path, 'a').release();
  });

  it('a lock left by a crashed process — or an earlier run with the same pid, as in a container — is taken over', () => {
    const path = dir();
    writeFileSync(join(path, 'a.lock'), JSON.stringify({ pid: process.pid, start: 'an-earlier-run' }));
    lockOutbox(path, 'a').release();
    writeFileSync(join(path, 'b.lock'), JSON.stringify({ pid: 2 ** 22 + 17, start: '1' }));
    lockOutbox(path, 'b').release();
  });

  it('a lock held by another live process is respected', async () => {
    const path = dir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await until(() => child.pid !== undefined, 'the child to start');
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      writeFileSync(join(path, 'a.lock'), JSON.stringify({ pid: child.pid, start }));
      expect(() => lockOutbox(path, 'a')).toThrow(/in use by process/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
