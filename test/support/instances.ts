// Running instances of the line for the fault tests: in this process (`openLine`
// over a config of the test's own) or as a child process (`node --import tsx
// src/main.ts`) that a test can kill. Both reach Postgres and Redis through
// whatever URLs the test gives them — usually a tcp-proxy it can cut.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { openLine, type Line, type LineOptions } from '../../src/runtime.ts';
import { runScriptedCall, type CallScript, type ScriptedCall } from '../../src/carriers/cli/scripted-carrier.ts';
import type { CallDriver, Step } from '../../src/calls/types.ts';
import type { EngineerOutcome, FlowEvent, MediaCommand } from '../../src/domain/flow/types.ts';
import { utteranceText } from '../../src/domain/prompts.ts';
import { FAKETIME_ENV, PIN_KEY } from './env.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A clock the test moves; every instance in a test can share one. */
export interface ManualClock {
  now(): Date;
  advance(seconds: number): void;
  set(at: Date): void;
}

export function manualClock(start: Date): ManualClock {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance: (seconds) => {
      t += seconds * 1000;
    },
    set: (at) => {
      t = at.getTime();
    },
  };
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. Never a fixed sleep. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A directory for one test's outbox journals, removed afterwards. */
export function tempDir(prefix = 'sl-outbox-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A logger that keeps every line it writes, for tests that read the logs. */
export function capturedLogger(level = 'debug'): { logger: Logger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines, text: () => lines.join('\n') };
}

export interface InstanceOptions {
  name: string;
  databaseUrl: string;
  redisUrl?: string;
  redisPrefix?: string;
  outboxDir: string;
  clock?: ManualClock;
  logger?: Logger;
  env?: Record<string, string>;
  /** Short timeouts so a cut is noticed at once and a restore within a probe. */
  resilience?: LineOptions['resilience'];
}

export const FAST_RESILIENCE = { timeoutMs: 1500, redisTimeoutMs: 1000, probeMs: 100, refreshMs: 60_000 } as const;

export async function openInstance(o: InstanceOptions): Promise<Line> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: o.databaseUrl,
    PIN_KEY,
    ...(o.redisUrl ? { REDIS_URL: o.redisUrl } : {}),
    REDIS_PREFIX: o.redisPrefix ?? 'sl:test:',
    OUTBOX_DIR: o.outboxDir,
    INSTANCE_ID: o.name,
    TWILIO_VALIDATE_SIGNATURES: 'true',
    ...o.env,
  });
  return openLine(config, {
    logger: o.logger ?? createLogger('silent'),
    ...(o.clock ? { clock: o.clock.now } : {}),
    resilience: o.resilience ?? FAST_RESILIENCE,
  });
}

export const LINE_NUMBER = '+441632960000';

/** One scripted call through an instance's call service (the CLI carrier). */
export function ring(line: Line, clock: ManualClock, script: Partial<CallScript> & { from: string }): Promise<ScriptedCall & { heard: string }> {
  return runScriptedCall(
    line.calls,
    { to: LINE_NUMBER, keys: [], engineers: ['accept'], desk: 'answer', messageSeconds: 20, ...script },
    clock,
  ).then((call) => ({ ...call, heard: call.transcript.filter((l) => l.who === 'line').map((l) => l.text).join('\n') }));
}

// ---------------------------------------------------------------------------
// Child processes

export interface ChildInstance {
  readonly process: ChildProcess;
  /** http://127.0.0.1:<port> once it listens. */
  readonly url: string;
  output(): string;
  /** SIGKILL: no shutdown, no flush — a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node --import tsx src/main.ts` with `env` and waits until it listens.
 * `imports`: modules loaded first (e.g. test/support/full-disk.ts).
 */
export async function spawnInstance(env: Record<string, string>, timeoutMs = 30_000, imports: readonly string[] = []): Promise<ChildInstance> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...imports.flatMap((m) => ['--import', m]), 'src/main.ts'], {
    cwd: ROOT,
    env: { ...FAKETIME_ENV, PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', PIN_KEY, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let url = '';
  try {
    await until(
      () => {
        const m = /listening on (http:\/\/[^\s]+)/.exec(output);
        if (m?.[1]) url = m[1].replace('localhost', '127.0.0.1');
        if (child.exitCode !== null) throw new Error(`instance exited (${child.exitCode}) before listening:\n${output}`);
        return url !== '';
      },
      'the child instance to listen',
      timeoutMs,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    process: child,
    url,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

// ---------------------------------------------------------------------------
// A call driven one event at a time, for tests that do something mid-call

export class LiveCall {
  readonly heard: string[] = [];
  step: Step;

  private constructor(
    private readonly driver: CallDriver,
    private readonly clock: ManualClock,
    step: Step,
  ) {
    this.step = step;
    this.listen(step);
  }

  static async dial(driver: CallDriver, clock: ManualClock, from: string, carrierCallId: string = randomUUID()): Promise<LiveCall> {
    const step = await driver.start({ carrier: 'cli', carrierCallId, from, to: LINE_NUMBER, at: clock.now() });
    return new LiveCall(driver, clock, step);
  }

  get callId(): string {
    return this.step.callId;
  }

  /** The media command the line is waiting on (the last one it sent). */
  get waitingOn(): MediaCommand | undefined {
    return this.step.commands.at(-1);
  }

  /** Carries on with another instance's driver (the call moved). */
  on(driver: CallDriver): LiveCall {
    const moved = new LiveCall(driver, this.clock, this.step);
    moved.heard.splice(0, moved.heard.length, ...this.heard);
    return moved;
  }

  press(keys: string): Promise<Step> {
    this.clock.advance(3);
    return this.feed({ type: 'input', digits: keys.replace(/#$/, '') });
  }

  engineer(engineerId: string, outcome: EngineerOutcome): Promise<Step> {
    this.clock.advance(10);
    return this.feed({ type: 'engineerResult', engineerId, outcome });
  }

  hangUp(): Promise<Step> {
    this.clock.advance(5);
    return this.feed({ type: 'hangup', cause: 'Normal Clearing' });
  }

  async feed(event: FlowEvent): Promise<Step> {
    this.step = await this.driver.feed(this.callId, event, this.clock.now());
    this.listen(this.step);
    return this.step;
  }

  private listen(step: Step): void {
    for (const c of step.commands) if (c.kind === 'play' || c.kind === 'gather') this.heard.push(utteranceText(c.utterance));
  }
}
