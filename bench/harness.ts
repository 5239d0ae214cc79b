// Runs the benchmark sections, judges the targets, profiles the misses and writes
// results.json and results.md. `npm run bench` (bench/run.ts) and the smoke test call it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { SECTIONS, type BenchOptions, type SectionContext, type SectionName } from './context.ts';
import { describeMachine } from './machine.ts';
import { summariseProfileDir } from './profile.ts';
import { readablePlan, renderMarkdown } from './report.ts';
import type { BenchResults, SectionOutcome } from './results.ts';
import { runAriSection } from './sections/ari.ts';
import { runAsteriskSection } from './sections/asterisk.ts';
import { runBurstSection } from './sections/burst.ts';
import { runDbSection } from './sections/db.ts';
import { runFlowSection } from './sections/flow.ts';
import { runSlaSection } from './sections/sla.ts';
import { profileTwilioGather, runTwilioSection } from './sections/twilio.ts';
import { judgeTargets } from './targets.ts';

const RUNNERS: { [K in SectionName]: (ctx: SectionContext) => Promise<NonNullable<BenchResults['sections'][K]> extends SectionOutcome<infer T> ? T : never> } = {
  flow: runFlowSection,
  sla: runSlaSection,
  db: runDbSection,
  twilio: (ctx) => runTwilioSection(ctx),
  ari: (ctx) => runAriSection(ctx),
  asterisk: runAsteriskSection,
  burst: runBurstSection,
};

/**
 * The order sections run in: the quick, quiet ones first, and the database last, since
 * building it writes gigabytes that Postgres is still flushing for a while afterwards.
 */
const ORDER: readonly SectionName[] = ['flow', 'sla', 'twilio', 'ari', 'burst', 'asterisk', 'db'];

export interface BenchRun {
  results: BenchResults;
  markdown: string;
  jsonPath: string;
  markdownPath: string;
}

export async function runBench(options: BenchOptions, command: string, log: (message: string) => void): Promise<BenchRun> {
  const started = new Date();
  const t0 = performance.now();
  const ctx: SectionContext = { options, log };
  mkdirSync(options.outDir, { recursive: true });
  const jsonPath = join(options.outDir, 'results.json');
  const markdownPath = join(options.outDir, 'results.md');

  // Sections not run this time keep their last figures (each says when it ran).
  const previous = options.only.length < SECTIONS.length ? readPrevious(jsonPath, options.smoke) : null;
  const sections: BenchResults['sections'] = { ...(previous?.sections ?? {}) };

  const machine = await describeMachine(options.databaseUrl, options.redisUrl);
  log(`bench: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverageAtStart}`);
  for (const name of ORDER.filter((s) => options.only.includes(s))) {
    log(`bench: ${name}…`);
    const ranAt = new Date().toISOString();
    const began = performance.now();
    const loadBefore = loadAverage();
    const common = () => ({ ranAt, seconds: secondsSince(began), smoke: options.smoke, loadAverage: [loadBefore, loadAverage()] });
    try {
      const result = await RUNNERS[name](ctx);
      (sections as Record<string, unknown>)[name] = { status: 'ok', ...common(), result };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log(`bench: ${name} FAILED: ${error}`);
      (sections as Record<string, unknown>)[name] = { status: 'failed', ...common(), error };
    }
  }

  const targets = judgeTargets(sections);
  const profiles: BenchResults['profiles'] = { ...(previous?.profiles ?? {}) };
  for (const t of targets) if (options.only.includes(t.section)) delete profiles[t.id];
  if (options.profile && !options.smoke) await profileMisses(ctx, targets, sections, profiles);

  const results: BenchResults = {
    version: 1,
    smoke: options.smoke,
    command,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: secondsSince(t0),
    machine,
    sections,
    targets,
    profiles,
  };
  const markdown = renderMarkdown(results);
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(markdownPath, markdown);
  return { results, markdown, jsonPath, markdownPath };
}

/** A CPU profile of the line process for each missed target that has code to profile. */
async function profileMisses(
  ctx: SectionContext,
  targets: BenchResults['targets'],
  sections: BenchResults['sections'],
  profiles: BenchResults['profiles'],
): Promise<void> {
  const missed = new Set(targets.filter((t) => t.met === false && ctx.options.only.includes(t.section)).map((t) => t.id));
  const dir = (id: string) => join(ctx.options.outDir, 'profiles', id);
  // A fresh folder each time: the summary reads whatever profile it finds there.
  const flags = (id: string) => {
    rmSync(dir(id), { recursive: true, force: true });
    return ['--cpu-prof', '--cpu-prof-dir', dir(id)];
  };

  if (missed.has('twilio-gather')) {
    ctx.log('bench: profiling the Gather step (node --cpu-prof)…');
    await profileTwilioGather(ctx, flags('twilio-gather'));
    const from = { url: 'src/carriers/twilio/carrier.ts', functionName: 'step', label: "the first Gather step the carrier took" };
    profiles['twilio-gather'] = summariseProfileDir(dir('twilio-gather'), 15, from) ?? { note: 'no profile was written' };
  }
  if (missed.has('ari-latency') || missed.has('ari-heap') || missed.has('ari-errors')) {
    // 500 calls: enough for the steady state to outweigh start-up in the profile, short enough to stay near a minute.
    const level = 500;
    ctx.log(`bench: profiling calls over ARI at ${level} calls (node --cpu-prof)…`);
    // The staircase only: the ring-first calls (minutes at real speech speed) would add nothing to it.
    await runAriSection(ctx, { nodeFlags: flags('ari'), levels: [level], ringFirst: false });
    const summary = summariseProfileDir(dir('ari'));
    for (const id of ['ari-latency', 'ari-heap', 'ari-errors']) {
      if (missed.has(id)) profiles[id] = summary ? { ...summary, file: `${summary.file} (a run to ${level} calls)` } : { note: 'no profile was written' };
    }
  }
  for (const id of ['db-call-log', 'db-due']) {
    if (!missed.has(id)) continue;
    const db = sections.db?.status === 'ok' ? sections.db.result : null;
    const list = id === 'db-due' ? db?.dueQuery : db?.callLog;
    const worst = [...(list ?? [])].sort((a, b) => b.latencyMs.p95 - a.latencyMs.p95)[0];
    profiles[id] = {
      note: worst
        ? `The time is spent in Postgres, so the profile is the plan: \`EXPLAIN (ANALYZE, BUFFERS)\` of the slowest, "${worst.name}" (p95 ${worst.latencyMs.p95} ms), long lines cut (the whole plan is in results.json):\n\n\`\`\`\n${readablePlan(worst.plan.text)}\n\`\`\``
        : 'no plan: the section did not run',
    };
  }
}

function readPrevious(path: string, smoke: boolean): BenchResults | null {
  if (!existsSync(path)) return null;
  try {
    const previous = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
    // Never mix smoke figures into a real run's results, or the other way round.
    return previous.smoke === smoke ? previous : null;
  } catch {
    return null;
  }
}

const secondsSince = (t: number): number => Math.round((performance.now() - t) / 100) / 10;
const loadAverage = (): number => Math.round(os.loadavg()[0]! * 100) / 100;
