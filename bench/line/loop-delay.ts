// How late the event loop runs (perf_hooks monitorEventLoopDelay): a key's next command
// waits behind whatever else the process is doing, so both processes of the ARI bench
// (the line, and the simulated Asterisk that times it) report theirs.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LoopDelay } from './protocol.ts';

export interface LoopMonitor {
  /** The delay since the last take (or the start), then starts afresh. */
  take(): LoopDelay;
  stop(): void;
}

export function loopMonitor(resolutionMs = 10): LoopMonitor {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  // The histogram holds the whole interval between its timer's ticks: the delay is what exceeds the resolution.
  const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4 - resolutionMs * 100) / 100);
  return {
    take() {
      const delay = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
      histogram.reset();
      return delay;
    },
    stop: () => histogram.disable(),
  };
}
