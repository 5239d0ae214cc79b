// results.json as Markdown: the tables printed after a run and kept in bench/results.md.
import { renderAsterisk } from './asterisk/report.ts';
import type { ProfileSummary } from './profile.ts';
import type { BenchResults, SectionOutcome } from './results.ts';

const fmt = (v: number, digits = 0): string =>
  Number.isFinite(v) ? v.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—';
const ms = (v: number): string => (Number.isFinite(v) ? (v < 10 ? fmt(v, 2) : v < 100 ? fmt(v, 1) : fmt(v)) : '—');
const cpuMs = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${fmt(v, 2)} ms`);
const table = (head: string[], rows: string[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const when = (o: SectionOutcome<unknown>): string => {
  // Results written before load averages were kept have none.
  const load = Array.isArray(o.loadAverage) ? `; load average ${o.loadAverage[0]} → ${o.loadAverage[1]}` : '';
  return `_Ran ${o.ranAt.slice(0, 16).replace('T', ' ')} UTC, ${fmt(o.seconds, 0)} s${o.smoke ? ', smoke sizes' : ''}${load}._`;
};

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`# Benchmarks${r.smoke ? ' (smoke run: small sizes, figures not meaningful)' : ''}`);
  out.push(
    `Run ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${fmt(r.seconds)} s in all (\`${r.command}\`).\n\n` +
      table(
        ['Node', 'CPU', 'Cores', 'Memory', 'Postgres', 'Redis', 'Load average at start'],
        [[m.node, m.cpu, String(m.cores), `${m.memoryGB} GB`, m.postgres, m.redis, `${m.loadAverageAtStart}`]],
      ),
  );

  out.push('## Targets');
  out.push(table(['Target', 'Goal', 'Measured', 'Baseline (ratio)', 'Met'], r.targets.map((t) => [t.what, t.target, t.measured, t.baseline ?? '—', t.met === null ? 'not measured' : t.met ? 'yes' : '**no**'])));

  const s = r.sections;
  if (s.flow) {
    out.push('## 1. Call flow engine (pure, no I/O)');
    out.push(section(s.flow, (f) =>
      `${f.scenario}.\n\n` +
      table(
        ['Transitions per call', 'Transitions/s', 'µs per transition', 'µs per whole call', 'Calls replayed', 'State size (JSON)'],
        [[String(f.transitionsPerCall), fmt(f.transitionsPerSecond), fmt(f.microsPerTransition, 2), fmt(f.microsPerCall, 1), fmt(f.calls), `${f.stateBytes} B`]],
      ) + `\n\nMedian of ${f.rounds.length} rounds (${f.rounds.map((x) => fmt(x)).join(', ')} transitions/s).`,
    ));
  }
  if (s.ari) {
    out.push('## 2. Calls over ARI (simulated Asterisk, real carrier, Postgres, Redis)');
    out.push(section(s.ari, (a) => {
      const questions = [...new Set(a.levels.flatMap((l) => Object.keys(l.byQuestion)))];
      return (
        table(
          ['Calls in progress', 'Key → next command p50', 'p99', 'max', 'p99 without the PIN', 'IVR completions/s', 'Heap per call', 'Marginal heap per call', 'RSS per call', 'Line CPU per call', 'Loop delay p99 (line / simulator)', 'Errors', 'Load average'],
          a.levels.map((l) => [
            fmt(l.calls),
            `${ms(l.keyToCommandMs.p50)} ms`,
            `${ms(l.keyToCommandMs.p99)} ms`,
            `${ms(l.keyToCommandMs.max)} ms`,
            l.keyToCommandMsExceptPin ? `${ms(l.keyToCommandMsExceptPin.p99)} ms` : '—',
            fmt(l.completedPerSecond, 1),
            `${fmt(l.heapPerCallKB, 1)} KB`,
            `${fmt(l.marginalHeapPerCallKB, 1)} KB`,
            `${fmt(l.rssPerCallKB, 1)} KB`,
            l.lineCpuMsPerCall === undefined ? '—' : `${fmt(l.lineCpuMsPerCall, 1)} ms`,
            // Older results.json files have no loop delay.
            l.lineLoopDelayMs && l.simulatorLoopDelayMs ? `${ms(l.lineLoopDelayMs.p99)} / ${ms(l.simulatorLoopDelayMs.p99)} ms` : '—',
            String(l.errors),
            String(l.loadAverage ?? '—'),
          ]),
        ) +
        '\n\nKey → next command by question (p50 / p99, ms):\n\n' +
        table(['Calls in progress', ...questions], a.levels.map((l) => [fmt(l.calls), ...questions.map((q) => (l.byQuestion[q] ? `${ms(l.byQuestion[q].p50)} / ${ms(l.byQuestion[q].p99)}` : '—'))])) +
        (a.pinCheckCpuUs !== undefined
          ? `\n\nEvery call checks one PIN: ${a.pinCheckCpuUs} µs of CPU (HMAC-SHA-256 under PIN_KEY), measured on this machine; the salted scrypt PINs used before cost ${a.scryptCheckCpuMs} ms (console passwords keep it).`
          : '') +
        (a.ringFirst
          ? `\n\nCritical key → first engineer's phone ringing (a Cat4 caller at 03:00 on a Saturday, prompts at real speech speed, ${a.ringFirst.calls} calls one after another): p50 ${ms(a.ringFirst.ms.p50)} ms, max ${ms(a.ringFirst.ms.max)} ms${a.ringFirst.failures.length ? `; ${a.ringFirst.failures.length} failed` : ''}. Measured in the simulator: the critical key's event out → the line's originate for the engineer in.`
          : '') +
        (a.ringFirstTwilio
          ? `\n\nThe same on Twilio with TWILIO_RING_FIRST (${a.ringFirstTwilio.calls} calls one after another): p50 ${ms(a.ringFirstTwilio.ms.p50)} ms, p99 ${ms(a.ringFirstTwilio.ms.p99)} ms${a.ringFirstTwilio.failures.length ? `; ${a.ringFirstTwilio.failures.length} failed` : ''}. Measured in process against the simulated Twilio: the critical key's webhook out → the line's calls.create for the engineer in; the caller hears the reference in the queue meanwhile.`
          : '') +
        `\n\nBaseline heap ${a.baseline.heapUsedMB} MB, RSS ${a.baseline.rssMB} MB. All ${fmt(a.hangup.calls)} callers hung up at once: closed in ${a.hangup.seconds} s (${fmt(a.hangup.endedPerSecond)} calls/s). ` +
        `Errors: ${a.errors.failedCalls} failed calls, ${a.errors.simulatorViolations} simulator violations, ${a.errors.lineWarnings} warnings logged by the line.` +
        (a.errors.examples.length > 0 ? `\n\n${a.errors.examples.map((e) => `- ${e}`).join('\n')}` : '') +
        `\n\n${a.notes.map((x) => `- ${x}`).join('\n')}`
      );
    }));
  }
  if (s.twilio) {
    out.push('## 3. Twilio webhooks (autocannon from another process)');
    out.push(section(s.twilio, (t) =>
      table(
        ['Route', 'Requests/s', 'p50', 'p90', 'p99', 'max', 'Requests', 'Non-2xx / errors', 'Of the ceiling', 'Server CPU per request'],
        [
          [t.voice.route, fmt(t.voice.perSecond), `${t.voice.latencyMs.p50} ms`, `${t.voice.latencyMs.p90} ms`, `${t.voice.latencyMs.p99} ms`, `${t.voice.latencyMs.max} ms`, fmt(t.voice.requests), `${t.voice.non2xx} / ${t.voice.errors}`, `${fmt(t.ratio.voice * 100, 1)}%`, cpuMs(t.voice.serverCpuMsPerRequest)],
          [t.gather.route, fmt(t.gather.perSecond), `${t.gather.latencyMs.p50} ms`, `${t.gather.latencyMs.p90} ms`, `${t.gather.latencyMs.p99} ms`, `${t.gather.latencyMs.max} ms`, fmt(t.gather.requests), `${t.gather.non2xx} / ${t.gather.errors}`, `${fmt(t.ratio.gather * 100, 1)}%`, cpuMs(t.gather.serverCpuMsPerRequest)],
          [t.ceiling.route, fmt(t.ceiling.perSecond), `${t.ceiling.latencyMs.p50} ms`, `${t.ceiling.latencyMs.p90} ms`, `${t.ceiling.latencyMs.p99} ms`, `${t.ceiling.latencyMs.max} ms`, fmt(t.ceiling.requests), `${t.ceiling.non2xx} / ${t.ceiling.errors}`, '100%', '—'],
        ],
      ) + `\n\nGather steps that did not move their call on: ${t.wrongAnswers}.\n\n${t.notes.map((x) => `- ${x}`).join('\n')}`,
    ));
  }
  if (s.sla) {
    out.push('## 4. SLA clock vs moment-business-time');
    out.push(section(s.sla, (c) => {
      const a = c.agreement;
      return (
        table(
          ['', 'Due times/s', 'µs each', 'Computations timed'],
          [
            ['Our SLA clock (warm day caches)', fmt(c.ours.perSecond), fmt(c.ours.microsEach, 2), fmt(c.ours.computations)],
            [c.library.name, fmt(c.library.perSecond), fmt(c.library.microsEach, 1), fmt(c.library.computations)],
          ],
        ) +
        `\n\n**${c.ratio}×** the library. ${fmt(c.cases)} cases: ${Object.entries(c.categories).map(([k, v]) => `${k} ${v}`).join(', ')}. ` +
        `First pass over the cases (cold caches for days not seen before): ${c.ours.firstPassMs} ms.\n\n` +
        `Same answer: ${a.same}; same working instant written differently: ${a.sameWorkingInstant}; explained differences: ${a.explained}; unexplained: **${a.unexplained}**.` +
        (Object.keys(a.explanations).length > 0 ? `\n\n${Object.entries(a.explanations).map(([k, v]) => `- ${v}: ${k}`).join('\n')}` : '')
      );
    }));
  }
  if (s.db) {
    out.push('## 5. Database at scale');
    out.push(section(s.db, (d) => {
      const rows = (list: typeof d.callLog) =>
        list.map((q) => [q.name, String(q.rowsReturned), `${ms(q.latencyMs.p50)} ms`, `${ms(q.latencyMs.p95)} ms`, `${ms(q.latencyMs.max)} ms`, String(q.latencyMs.count), q.plan.indexes.join(', ') || '—', q.plan.seqScans.join(', ') || '—']);
      return (
        `${Object.entries(d.rows).map(([k, v]) => `${fmt(v)} ${k}`).join(', ')} in \`${d.database}\` (${d.builtThisRun ? 'built this run' : 'reused'}; COPY load ${d.seedSeconds} s when built). Queries run as of ${d.anchor}.\n\n` +
        table(['Query', 'Rows', 'p50', 'p95', 'max', 'Runs', 'Indexes in the plan', 'Sequential scans'], [...rows(d.callLog), ...rows(d.dueQuery)]) +
        '\n\nThe full `EXPLAIN (ANALYZE, BUFFERS)` of each is in results.json.'
      );
    }));
  }

  if (s.asterisk) {
    out.push('## 6. Real Asterisk (scripted callers over Local channels; the line against a pure-dialplan IVR)');
    out.push(section(s.asterisk, renderAsterisk));
  }

  if (s.burst) {
    out.push('## 7. A burst during an incident announcement (simulated Asterisk, real carrier, Postgres, Redis)');
    out.push(section(s.burst, (b) =>
      table(
        ['Callers', 'Arriving within', 'Heard the announcement', 'Call start → its first word p50', 'p99', 'max', 'Joined the incident', 'Messages taken at the desk overflow', '“Connecting you” → message offered p50 / max', 'Errors', 'Load average'],
        [[fmt(b.callers), `${b.arrivalSeconds} s`, fmt(b.heardAnnouncement), `${ms(b.announcementMs.p50)} ms`, `${ms(b.announcementMs.p99)} ms`, `${ms(b.announcementMs.max)} ms`, fmt(b.joined), fmt(b.messages), `${b.deskWaitSeconds.p50} / ${b.deskWaitSeconds.max} s (limit ${b.overflowSeconds} s)`, String(b.errors.failedCalls + b.errors.simulatorViolations), String(b.loadAverage)]],
      ) +
      `\n\nThe announcement follows the greeting, which the simulator takes ${b.greetingMs} ms to say: the rest is the line. The desk never answers; its limit is time (DESK_OVERFLOW_SECONDS), after which each caller leaves a message rather than waiting on.` +
      (b.errors.examples.length > 0 ? `\n\nErrors: ${b.errors.examples.join('; ')}` : ''),
    ));
  }

  const profiles = Object.entries(r.profiles);
  if (profiles.length > 0) {
    out.push('## Where the time goes (missed targets)');
    for (const [id, p] of profiles) out.push(`### ${id}\n\n${'note' in p ? p.note : renderProfile(p)}`);
  }
  return `${out.join('\n\n')}\n`;
}

function section<T>(o: SectionOutcome<T>, render: (result: T) => string): string {
  if (o.status === 'failed') return `${when(o)}\n\n**Failed:** ${o.error}`;
  return `${when(o)}\n\n${render(o.result)}`;
}

/** A plan for reading: lines past 160 characters (inline id lists) are cut. */
export function readablePlan(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.length > 160 ? `${l.slice(0, 157)}…` : l))
    .join('\n');
}

export function renderProfile(p: ProfileSummary): string {
  return (
    (p.from
      ? `\`node --cpu-prof\` of the line process from ${p.from} on, start-up left out (${fmt(p.totalMs)} ms sampled; ${p.file}). `
      : `\`node --cpu-prof\` of the line process over its whole life, start-up included (${fmt(p.totalMs)} ms sampled; ${p.file}). `) +
    'It samples the main thread only: work on libuv\'s threads is not in it. ' +
    'Busy time by the nearest code of ours or of a package on the stack (a socket write inside Node counts for whoever asked for it):\n\n' +
    table(['Code', 'ms', 'Share of busy'], (p.byCaller ?? []).map((a) => [a.area, fmt(a.ms), `${fmt(a.percent, 1)}%`])) +
    '\n\nSelf time by where the code lives ("(native)" is inside C++ bindings: mostly socket writes):\n\n' +
    table(['Area', 'Self ms', 'Share of busy'], p.byArea.map((a) => [a.area, fmt(a.ms), `${fmt(a.percent, 1)}%`])) +
    '\n\nTop functions by self time:\n\n' +
    table(['Function', 'Where', 'Self ms', 'Share'], p.top.map((f) => [`\`${f.name}\``, f.where, fmt(f.selfMs), `${fmt(f.percent, 1)}%`]))
  );
}
