// 1. The call flow engine alone: how many transitions a second the pure flow makes on
// a realistic call, and what one costs. No I/O; the data answers are pre-recorded.
import type { SectionContext } from '../context.ts';
import { CAT4_CALL_DESCRIPTION, recordCat4Call, replay } from '../flow/cat4-call.ts';
import { collectGarbage, median, nowMs, round } from '../stats.ts';

export interface FlowResult {
  scenario: string;
  transitionsPerCall: number;
  commandsPerCall: number;
  /** Calls replayed in the timed rounds. */
  calls: number;
  transitions: number;
  seconds: number;
  /** Median over the rounds. */
  transitionsPerSecond: number;
  microsPerTransition: number;
  microsPerCall: number;
  rounds: number[];
  /** The final flow state as JSON (what Redis holds per call). */
  stateBytes: number;
}

export async function runFlowSection(ctx: SectionContext): Promise<FlowResult> {
  const call = recordCat4Call();
  const transitionsPerCall = call.events.length;
  const roundMs = ctx.options.smoke ? 50 : 1_000;
  const roundsWanted = ctx.options.smoke ? 2 : 7;

  // Warm-up: let the JIT settle and the calendar caches fill, as in a running line.
  timedRound(call, ctx.options.smoke ? 50 : 1_500);
  collectGarbage();

  const rates: number[] = [];
  let calls = 0;
  let totalMs = 0;
  for (let i = 0; i < roundsWanted; i++) {
    const r = timedRound(call, roundMs);
    calls += r.calls;
    totalMs += r.ms;
    rates.push((r.calls * transitionsPerCall) / (r.ms / 1000));
    // Give the event loop a turn between rounds (progress output, other timers).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const perSecond = median(rates);
  ctx.log(`flow: ${Math.round(perSecond).toLocaleString('en-GB')} transitions/s`);
  return {
    scenario: CAT4_CALL_DESCRIPTION,
    transitionsPerCall,
    commandsPerCall: call.commands,
    calls,
    transitions: calls * transitionsPerCall,
    seconds: round(totalMs / 1000, 3),
    transitionsPerSecond: Math.round(perSecond),
    microsPerTransition: round(1e6 / perSecond, 3),
    microsPerCall: round((1e6 / perSecond) * transitionsPerCall, 1),
    rounds: rates.map((r) => Math.round(r)),
    stateBytes: Buffer.byteLength(JSON.stringify(call.final)),
  };
}

function timedRound(call: ReturnType<typeof recordCat4Call>, budgetMs: number): { calls: number; ms: number } {
  let calls = 0;
  let sink = 0;
  const start = nowMs();
  let elapsed = 0;
  // Check the clock every 64 calls so reading it costs nothing measurable.
  while (elapsed < budgetMs) {
    for (let i = 0; i < 64; i++) sink += replay(call);
    calls += 64;
    elapsed = nowMs() - start;
  }
  if (sink !== calls * call.commands) throw new Error('the replayed call issued different commands from the recorded one');
  return { calls, ms: elapsed };
}
