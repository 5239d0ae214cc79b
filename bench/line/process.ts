// Starts a benchmark line (bench/line/child.ts) in its own process and talks to it.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildReply, ParentMessage } from './protocol.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface LineProcess {
  url: string;
  pid: number;
  memory(): Promise<Extract<ChildReply, { type: 'memory' }>>;
  status(): Promise<Extract<ChildReply, { type: 'status' }>>;
  /** Its event-loop delay since the last call. */
  loopDelay(): Promise<Extract<ChildReply, { type: 'loop' }>>;
  /** Warnings and errors the line logged (pino level ≥ 40), counted. */
  readonly warnings: number;
  /** The last lines of its output, for a report when something fails. */
  tail(): string;
  stop(): Promise<void>;
}

export interface LineProcessOptions {
  env: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  readyTimeoutMs?: number;
}

export async function startLineProcess(opts: LineProcessOptions): Promise<LineProcess> {
  // The line journals writes while Postgres is away: a folder of its own, removed afterwards.
  const outbox = mkdtempSync(join(tmpdir(), 'sl-bench-outbox-'));
  const child: ChildProcess = fork(CHILD, [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(opts.nodeFlags ?? [])],
    env: { ...process.env, OUTBOX_DIR: outbox, INSTANCE_ID: `bench-${process.pid}`, SHUTDOWN_DRAIN_SECONDS: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  let warnings = 0;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    warnings += (text.match(/"level":(40|50|60)/g) ?? []).length;
    for (const l of text.split('\n')) if (l.trim()) lines.push(l.slice(0, 2_000));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let nextId = 1;
  const waiting = new Map<number, (reply: ChildReply) => void>();
  child.on('message', (reply: ChildReply) => {
    if ('id' in reply) {
      waiting.get(reply.id)?.(reply);
      waiting.delete(reply.id);
    }
  });
  const ask = <T extends ChildReply>(type: ParentMessage['type']): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (r) => resolve(r as T));
      const msg: ParentMessage = { type, id };
      child.send(msg, (err) => {
        if (err) {
          waiting.delete(id);
          reject(err);
        }
      });
    });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bench line did not start:\n${lines.join('\n')}`)), opts.readyTimeoutMs ?? 30_000);
    child.on('message', (reply: ChildReply) => {
      if (reply.type === 'ready') {
        clearTimeout(timer);
        resolve(reply.url);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bench line exited (${code}) before it was ready:\n${lines.join('\n')}`));
    });
  });

  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      rmSync(outbox, { recursive: true, force: true });
      resolve();
    }),
  );
  return {
    url,
    pid: child.pid ?? 0,
    memory: () => ask('memory'),
    status: () => ask('status'),
    loopDelay: () => ask('loop'),
    get warnings() {
      return warnings;
    },
    tail: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null) return;
      const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
      try {
        await ask('stop');
      } catch {
        // It went already.
      }
      await exited;
      clearTimeout(timeout);
    },
  };
}
