// The targets of issue 8, judged against what a run measured. A target whose section
// did not run (or failed) is "not measured", never "met".
import { asteriskTargets } from './asterisk/report.ts';
import type { BenchResults, Target } from './results.ts';

export function judgeTargets(sections: BenchResults['sections']): Target[] {
  const targets: Target[] = [];
  const ari = sections.ari?.status === 'ok' ? sections.ari.result : null;
  const at1000 = ari?.levels.find((l) => l.calls === 1_000) ?? null;
  targets.push(
    target(
      'ari-latency',
      'ari',
      'p99 last digit → next command at 1,000 simultaneous calls',
      '≤ 20 ms',
      at1000 ? `${at1000.keyToCommandMs.p99} ms (${at1000.keyToCommandMsExceptPin?.p99 ?? '?'} ms leaving out the PIN question)` : null,
      at1000 ? at1000.keyToCommandMs.p99 <= 20 : null,
    ),
    target('ari-heap', 'ari', 'heap per active call at 1,000 calls', '≤ 64 KB', at1000 ? `${at1000.heapPerCallKB} KB` : null, at1000 ? at1000.heapPerCallKB <= 64 : null),
  );
  if (ari && ari.errors.failedCalls + ari.errors.simulatorViolations > 0) {
    targets.push(target('ari-errors', 'ari', 'errors over ARI', '0', `${ari.errors.failedCalls} failed calls, ${ari.errors.simulatorViolations} violations`, false));
  } else if (ari) {
    targets.push(target('ari-errors', 'ari', 'errors over ARI', '0', '0', true));
  }

  const tw = sections.twilio?.status === 'ok' ? sections.twilio.result : null;
  targets.push(
    target(
      'twilio-gather',
      'twilio',
      'Gather step (Redis session, Postgres lookups), signed',
      '≥ 1,500 req/s at p99 ≤ 50 ms',
      tw ? `${tw.gather.perSecond} req/s, p99 ${tw.gather.latencyMs.p99} ms (${Math.round(tw.ratio.gather * 100)}% of the fixed-TwiML ceiling)` : null,
      tw ? tw.gather.perSecond >= 1_500 && tw.gather.latencyMs.p99 <= 50 && tw.gather.non2xx + tw.gather.errors + tw.wrongAnswers === 0 : null,
    ),
  );

  const sla = sections.sla?.status === 'ok' ? sections.sla.result : null;
  targets.push(target('sla-ratio', 'sla', 'SLA clock due times/s vs moment-business-time', '≥ 10×', sla ? `${sla.ratio}×` : null, sla ? sla.ratio >= 10 : null));

  const db = sections.db?.status === 'ok' ? sections.db.result : null;
  const worstPage = db ? [...db.callLog].sort((a, b) => b.latencyMs.p95 - a.latencyMs.p95)[0] : undefined;
  targets.push(
    target(
      'db-call-log',
      'db',
      `call-log page p95 at ${db ? db.rows['calls']?.toLocaleString('en-GB') : '1M'} calls (every filter measured)`,
      '≤ 30 ms',
      db && worstPage ? `worst: ${worstPage.latencyMs.p95} ms (${worstPage.name}); ${db.callLog.filter((q) => q.latencyMs.p95 <= 30).length} of ${db.callLog.length} within` : null,
      db ? db.callLog.every((q) => q.latencyMs.p95 <= 30) : null,
    ),
  );
  const worstDue = db ? [...db.dueQuery].sort((a, b) => b.latencyMs.p95 - a.latencyMs.p95)[0] : undefined;
  targets.push(
    target('db-due', 'db', 'SLA watcher due query p95', '≤ 10 ms', db && worstDue ? `worst: ${worstDue.latencyMs.p95} ms (${worstDue.name})` : null, db ? db.dueQuery.every((q) => q.latencyMs.p95 <= 10) : null),
  );
  targets.push(...asteriskTargets(sections.asterisk));
  return targets;
}

function target(id: string, section: Target['section'], what: string, goal: string, measured: string | null, met: boolean | null): Target {
  return { id, section, what, target: goal, measured: measured ?? 'not measured', met };
}
