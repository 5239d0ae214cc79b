// 4. The SLA clock beside moment-business-time: due times per second for the same
// cases, and whether the two agree where their semantics do.
import type { CalendarContext } from '../../src/domain/calendar/calendar.ts';
import { dueAt, openMinutesBetween } from '../../src/domain/sla/clock.ts';
import type { SectionContext } from '../context.ts';
import { slaCases, type SlaCase } from '../sla/cases.ts';
import { configureLibrary, inUkTime, libraryDueAt } from '../sla/library-clock.ts';
import { nowMs, round } from '../stats.ts';

export interface SlaDisagreement {
  category: string;
  target: string;
  calendar: string;
  division: string;
  start: string;
  pauses: { from: string; to: string }[];
  ours: string;
  library: string;
  explanation: string;
}

export interface SlaResult {
  cases: number;
  /** How many cases of each kind (window, +pause, +closure). */
  categories: Record<string, number>;
  ours: { perSecond: number; microsEach: number; firstPassMs: number; computations: number };
  library: { name: string; perSecond: number; microsEach: number; computations: number };
  /** ours ÷ library, per second. */
  ratio: number;
  agreement: {
    same: number;
    /** Different instants with no open time between them (17:00 vs the next 09:00). */
    sameWorkingInstant: number;
    /** Differences the library cannot avoid (a closure part-way through a day). */
    explained: number;
    unexplained: number;
    explanations: Record<string, number>;
    examples: SlaDisagreement[];
  };
}

const PART_DAY_CLOSURE = 'the office closure starts or ends part-way through a day; the library only knows whole-day holidays';

export async function runSlaSection(ctx: SectionContext): Promise<SlaResult> {
  const cases = slaCases(ctx.options.smoke ? 200 : 4_000);
  const contexts = cases.map((c) => contextOf(c));
  configureLibrary();

  const firstStart = nowMs();
  const ours = cases.map((c, i) => dueAt(c.calendar, c.start, c.minutes, contexts[i]!, c.pauses));
  const firstPassMs = nowMs() - firstStart;
  const theirs = inUkTime(() => cases.map((c) => libraryDueAt(c)));

  const budget = ctx.options.smoke ? 100 : 3_000;
  const oursRate = rate(budget, () => {
    let sink = 0;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      sink += dueAt(c.calendar, c.start, c.minutes, contexts[i]!, c.pauses).getTime() & 1;
    }
    return { n: cases.length, sink };
  });
  const libraryRate = inUkTime(() =>
    rate(budget, () => {
      let sink = 0;
      for (const c of cases) sink += libraryDueAt(c).getTime() & 1;
      return { n: cases.length, sink };
    }),
  );
  await new Promise((resolve) => setImmediate(resolve));

  const agreement = compare(cases, contexts, ours, theirs);
  const categories: Record<string, number> = {};
  for (const c of cases) categories[c.category] = (categories[c.category] ?? 0) + 1;
  ctx.log(`sla: ours ${Math.round(oursRate.perSecond)}/s, moment-business-time ${Math.round(libraryRate.perSecond)}/s`);
  return {
    cases: cases.length,
    categories,
    ours: {
      perSecond: Math.round(oursRate.perSecond),
      microsEach: round(1e6 / oursRate.perSecond, 3),
      firstPassMs: round(firstPassMs, 1),
      computations: oursRate.n,
    },
    library: {
      name: 'moment-business-time 2 (moment 2)',
      perSecond: Math.round(libraryRate.perSecond),
      microsEach: round(1e6 / libraryRate.perSecond, 1),
      computations: libraryRate.n,
    },
    ratio: round(oursRate.perSecond / libraryRate.perSecond, 1),
    agreement,
  };
}

function contextOf(c: SlaCase): CalendarContext {
  return { division: c.division, closures: c.closureSet?.closures ?? [] };
}

/** Repeats `pass` for at least `budgetMs` (whole passes), after one untimed pass. */
function rate(budgetMs: number, pass: () => { n: number; sink: number }): { perSecond: number; n: number } {
  pass();
  let n = 0;
  const start = nowMs();
  let elapsed: number;
  do {
    n += pass().n;
    elapsed = nowMs() - start;
  } while (elapsed < budgetMs);
  return { perSecond: n / (elapsed / 1000), n };
}

function compare(cases: SlaCase[], contexts: CalendarContext[], ours: Date[], theirs: Date[]): SlaResult['agreement'] {
  const result: SlaResult['agreement'] = { same: 0, sameWorkingInstant: 0, explained: 0, unexplained: 0, explanations: {}, examples: [] };
  cases.forEach((c, i) => {
    const a = ours[i]!;
    const b = theirs[i]!;
    if (a.getTime() === b.getTime()) {
      result.same++;
      return;
    }
    const [early, late] = a < b ? [a, b] : [b, a];
    if (openMinutesBetween(c.calendar, early, late, contexts[i]!, c.pauses) === 0) {
      result.sameWorkingInstant++;
      return;
    }
    const explanation = c.closureSet && !c.closureSet.wholeDaysOnly ? PART_DAY_CLOSURE : 'unexplained';
    if (explanation === 'unexplained') result.unexplained++;
    else result.explained++;
    result.explanations[explanation] = (result.explanations[explanation] ?? 0) + 1;
    const shown = result.examples.filter((e) => e.explanation === explanation).length;
    if (shown < 3) {
      result.examples.push({
        category: c.category,
        target: c.target,
        calendar: c.calendar,
        division: c.division,
        start: c.start.toISOString(),
        pauses: c.pauses.map((p) => ({ from: p.from.toISOString(), to: p.to?.toISOString() ?? 'open' })),
        ours: a.toISOString(),
        library: b.toISOString(),
        explanation,
      });
    }
  });
  return result;
}
