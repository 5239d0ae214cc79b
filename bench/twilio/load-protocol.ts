// What the benchmark asks its load generator (bench/twilio/load.ts) to run, and what it answers.
interface RunCommon {
  url: string;
  /** The URL Twilio would have requested (what the signature covers); the server checks against it. */
  publicBaseUrl: string;
  /** null: send no valid signature (the ceiling does not check). */
  authToken: string | null;
  connections: number;
  /** Run for this long, unless `amount` is set. */
  seconds: number;
  amount?: number;
}

export type LoadRun =
  | (RunCommon & {
      kind: 'voice';
      /** CallSids are numbered from here, so every request is a new call. */
      sidBase: number;
      callers: string[];
      /** Keep each new call's Gather action URL (for the next run). */
      collectActions: boolean;
    })
  | (RunCommon & {
      kind: 'gather';
      /** One per request: the call, its Gather action URL and the keys to send. */
      steps: { callSid: string; from: string; url: string; digits: string }[];
    });

export type LoadReply =
  | { type: 'ready' }
  | { type: 'error'; message: string }
  | {
      type: 'result';
      requests: number;
      ok: number;
      non2xx: number;
      errors: number;
      timeouts: number;
      seconds: number;
      /** 2xx answers per second. */
      perSecond: number;
      latency: { p50: number; p90: number; p99: number; max: number; mean: number };
      actions: { callSid: string; url: string }[];
    };
