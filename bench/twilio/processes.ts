// The Twilio benchmark's helper processes: the load generator and the fixed-TwiML
// ceiling server, each forked with tsx.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { LoadReply, LoadRun } from './load-protocol.ts';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

function forkTs(file: string): ChildProcess {
  return fork(here(file), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

function firstMessage<T>(child: ChildProcess, what: string, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${what}: the process exited (${code})`));
    };
    child.once('exit', onExit);
    child.once('message', (m: T) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(m);
    });
  });
}

function stop(child: ChildProcess, message: unknown): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.send(message as object);
  });
}

export interface LoadGenerator {
  run(spec: LoadRun): Promise<Extract<LoadReply, { type: 'result' }>>;
  stop(): Promise<void>;
}

export async function startLoadGenerator(): Promise<LoadGenerator> {
  const child = forkTs('./load.ts');
  await firstMessage<LoadReply>(child, 'the load generator');
  return {
    async run(spec) {
      const reply = firstMessage<LoadReply>(child, `autocannon (${spec.kind})`, (spec.seconds + 120) * 1000);
      child.send(spec);
      const r = await reply;
      if (r.type !== 'result') throw new Error(`autocannon (${spec.kind}) failed: ${r.type === 'error' ? r.message : r.type}`);
      return r;
    },
    stop: () => stop(child, { kind: 'exit' }),
  };
}

export interface CeilingServer {
  url: string;
  stop(): Promise<void>;
}

export async function startCeilingServer(): Promise<CeilingServer> {
  const child = forkTs('./ceiling-server.ts');
  const ready = await firstMessage<{ type: 'ready'; url: string }>(child, 'the ceiling server');
  return { url: ready.url, stop: () => stop(child, { type: 'stop' }) };
}

/** A port nobody is listening on right now (for a server that must know its public URL first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
