// What the benchmark and its line process say to each other over IPC.
export type ParentMessage = { type: 'memory' | 'status' | 'loop' | 'stop'; id: number };

/** Event-loop delay (perf_hooks monitorEventLoopDelay), ms. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export type ChildReply =
  | { type: 'ready'; url: string }
  | {
      type: 'memory';
      id: number;
      heapUsed: number;
      rss: number;
      external: number;
      arrayBuffers: number;
      /** False when the process had no --expose-gc (the figures then include garbage). */
      collected: boolean;
    }
  | {
      type: 'status';
      id: number;
      ari: { state: string; activeCalls: number; pendingWork: number } | null;
      /** CPU the line process has used so far (user + system), µs. */
      cpuMicros: number;
    }
  /** The line's event-loop delay since the last `loop` asked (the histogram is reset each time). */
  | { type: 'loop'; id: number; delay: LoopDelay }
  | { type: 'stopped'; id: number };
