// The benchmarks' smoke run: every section at toy sizes, to prove the harness runs
// end to end and writes whole, well-formed results. Never a speed: the figures of a
// smoke run on a shared machine mean nothing, so nothing here compares them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SECTIONS } from '../../bench/context.ts';
import { runBench, type BenchRun } from '../../bench/harness.ts';
import { benchResultsSchema } from '../../bench/results.ts';
import { BENCH_PIN_KEY, parseArgs } from '../../bench/run.ts';
import { pinKeysFrom, usePinKeys } from '../../src/store/pin-hash.ts';
import { DATABASE_URL, PIN_KEY, REDIS_URL } from '../support/env.ts';

const outDir = mkdtempSync(join(tmpdir(), 'sl-bench-smoke-test-'));
// The real-Asterisk section runs only where an Asterisk is installed; the smoke run
// proves the harness on any machine, so it is told there is none (the lab's own
// Asterisk is measured by `npm run bench`, not by the test suite).
process.env['ASTERISK_BIN'] = join(outDir, 'no-asterisk-here');
afterAll(() => rmSync(outDir, { recursive: true, force: true }));
// As `npm run bench` runs (bench/run.ts): this process and the line processes it starts
// under the bench's PIN key, not the tests' one, so a section that switches the
// process-wide keys (the Twilio ring-first fixture once did) fails the sections after it.
process.env['PIN_KEY'] = BENCH_PIN_KEY;
usePinKeys(pinKeysFrom([BENCH_PIN_KEY]));
afterAll(() => {
  process.env['PIN_KEY'] = PIN_KEY;
  usePinKeys(pinKeysFrom([PIN_KEY]));
});

describe('npm run bench -- --smoke', () => {
  let run: BenchRun;

  it('runs every section at small sizes and writes results.json and results.md', async () => {
    run = await runBench(
      { smoke: true, only: [...SECTIONS], fresh: false, profile: false, outDir, databaseUrl: DATABASE_URL, redisUrl: REDIS_URL },
      'npm run bench -- --smoke',
      () => undefined,
    );
    const written = JSON.parse(readFileSync(run.jsonPath, 'utf8')) as unknown;
    const parsed = benchResultsSchema.safeParse(written);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 5), null, 2)).toBe(true);
    for (const name of SECTIONS) {
      const section = run.results.sections[name];
      expect(section?.status, `${name}: ${section?.status === 'failed' ? section.error : 'missing'}`).toBe('ok');
    }
    expect(readFileSync(run.markdownPath, 'utf8')).toBe(run.markdown);
  }, 300_000);

  it('names the machine and judges every target from what it measured', () => {
    expect(run.results.machine.cores).toBeGreaterThan(0);
    expect(run.results.machine.postgres).toMatch(/^PostgreSQL \d/);
    expect(run.results.targets.map((t) => t.id)).toEqual(
      expect.arrayContaining(['ari-latency', 'ari-heap', 'twilio-gather', 'sla-ratio', 'db-call-log', 'db-due']),
    );
    // The smoke run never reaches 1,000 calls: that target is not measured, not passed.
    expect(run.results.targets.find((t) => t.id === 'ari-latency')?.met).toBeNull();
  });

  it('checks its own work: the SLA clocks agree, the calls got through, the signed webhooks were all answered', () => {
    const { sla, ari, twilio, db, burst } = run.results.sections;
    if (sla?.status !== 'ok' || ari?.status !== 'ok' || twilio?.status !== 'ok' || db?.status !== 'ok' || burst?.status !== 'ok') throw new Error('a section failed');
    expect(sla.result.agreement.unexplained).toBe(0);
    expect(ari.result.errors).toMatchObject({ failedCalls: 0, simulatorViolations: 0 });
    // Every ring-first call reached the engineer (a count and no failures, never a time).
    for (const ring of [ari.result.ringFirst, ari.result.ringFirstTwilio]) {
      expect(ring?.failures).toEqual([]);
      expect(ring?.ms.count).toBe(ring?.calls);
      expect(ring?.calls).toBeGreaterThan(0);
    }
    // The burst runs after the others in this process: every caller heard the announcement and got through.
    expect(burst.result.errors).toMatchObject({ failedCalls: 0, simulatorViolations: 0, examples: [] });
    expect(burst.result.heardAnnouncement).toBe(burst.result.callers);
    expect(twilio.result.gather.non2xx + twilio.result.gather.errors + twilio.result.wrongAnswers).toBe(0);
    expect(db.result.dueQuery.every((q) => q.plan.indexes.includes('sla_timers_next_fire'))).toBe(true);
  });

  it('prints the table with a heading for each section', () => {
    for (const heading of ['## Targets', '## 1. Call flow engine', '## 2. Calls over ARI', '## 3. Twilio webhooks', '## 4. SLA clock', '## 5. Database at scale', '## 6. Real Asterisk']) {
      expect(run.markdown).toContain(heading);
    }
  });

  it('says the real-Asterisk section was skipped on a machine without Asterisk, and judges none of its targets', () => {
    const asterisk = run.results.sections.asterisk;
    expect(asterisk?.status === 'ok' && asterisk.result).toEqual({ skipped: 'skipped: no Asterisk' });
    expect(run.markdown).toMatch(/## 6\. Real Asterisk[^#]*skipped: no Asterisk/);
    const ours = run.results.targets.filter((t) => t.section === 'asterisk');
    expect(ours.map((t) => t.id)).toEqual(['asterisk-latency', 'asterisk-ratio', 'asterisk-engineer-ring']);
    expect(ours.every((t) => t.met === null && t.measured === 'skipped: no Asterisk')).toBe(true);
  });
});

describe('bench arguments', () => {
  it('takes --smoke, --fresh and --only with a list of sections', () => {
    const o = parseArgs(['--smoke', '--fresh', '--only', 'sla,db'], {});
    expect(o).toMatchObject({ smoke: true, fresh: true, only: ['sla', 'db'] });
  });

  it('refuses a section it does not know', () => {
    expect(() => parseArgs(['--only', 'ari,speed'], {})).toThrow(/unknown section "speed"/);
  });

  it('runs everything, with profiles, into bench/ by default', () => {
    const o = parseArgs([], {});
    expect(o).toMatchObject({ smoke: false, profile: true, only: [...SECTIONS] });
    expect(o.outDir).toMatch(/bench\/?$/);
  });
});
