// A support line in a process of its own, built the way `npm start` builds it
// (openLine, the real carriers, serve), for the benchmarks to load from outside.
// The one difference: the clock. Benchmark calls happen at a fixed instant of the
// week (a Wednesday morning), so routes do not depend on when the benchmark runs;
// time still passes at the real rate from there.
//
// Talks to the benchmark over IPC: `ready` once up; answers `memory` (after a full
// GC) and `status`; `stop` closes the line and exits (writing any --cpu-prof profile).
import { createAriCarrier, type AriCarrier } from '../../src/carriers/ari/carrier.ts';
import { ariSettings } from '../../src/carriers/ari/settings.ts';
import type { Timers } from '../../src/carriers/ari/timers.ts';
import { twilioComponent } from '../../src/carriers/twilio/component.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openLine, serve } from '../../src/runtime.ts';
import { loopMonitor } from './loop-delay.ts';
import type { ChildReply, ParentMessage } from './protocol.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL);
  const scenarioStart = Number(process.env['BENCH_SCENARIO_START_MS']);
  if (!Number.isFinite(scenarioStart)) throw new Error('BENCH_SCENARIO_START_MS is not set');
  const realStart = Date.now();
  const clock = (): Date => new Date(scenarioStart + (Date.now() - realStart));
  const timers: Timers = {
    now: clock,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };

  const line = await openLine(config, { logger, clock });
  const settings = ariSettings(config);
  let ari: AriCarrier | null = null;
  if (settings) {
    // As src/carriers/start.ts does, with the benchmark's clock.
    const carrier = createAriCarrier({ settings, driver: line.calls, logger, timers });
    carrier.start();
    line.components.push({ name: 'asterisk', carrierStatus: () => carrier.status(), stop: () => carrier.stop() });
    ari = carrier;
  }
  line.components.push(twilioComponent(line, { clock }));
  await serve(line);

  const loop = loopMonitor();
  const send = (reply: ChildReply): void => {
    process.send?.(reply);
  };
  process.on('message', (raw: ParentMessage) => {
    switch (raw.type) {
      case 'memory': {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (gc) {
          gc();
          gc();
        }
        const m = process.memoryUsage();
        send({ type: 'memory', id: raw.id, heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, collected: !!gc });
        return;
      }
      case 'status':
        send({
          type: 'status',
          id: raw.id,
          ari: ari ? { state: ari.status().state, activeCalls: ari.status().activeCalls, pendingWork: ari.pendingWork() } : null,
          cpuMicros: cpuMicros(),
        });
        return;
      case 'loop':
        send({ type: 'loop', id: raw.id, delay: loop.take() });
        return;
      case 'stop':
        void line.stop().finally(() => {
          send({ type: 'stopped', id: raw.id });
          // Exiting normally lets --cpu-prof write its profile.
          process.disconnect?.();
          setTimeout(() => process.exit(0), 50).unref();
        });
        return;
    }
  });
  send({ type: 'ready', url: line.url });
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench line failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
