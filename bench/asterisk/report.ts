// The real-Asterisk section's targets and its part of results.md.
import type { SectionOutcome, Target } from '../results.ts';
import type { AsteriskResult } from '../sections/asterisk.ts';

const table = (head: string[], rows: string[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function asteriskTargets(outcome: SectionOutcome<AsteriskResult> | undefined): Target[] {
  const result = outcome?.status === 'ok' ? outcome.result : null;
  const skipped = result?.skipped ?? null;
  const real = result && result.skipped === null ? result : null;
  const at100 = real?.levels.find((l) => l.callers === 100) ?? null;
  const none = skipped ?? 'not measured';
  const ratio = at100 && at100.dialplan.all.p50 > 0 ? at100.line.all.p50 / at100.dialplan.all.p50 : null;
  const ring = real && real.engineerRing.samples.length > 0 ? real.engineerRing.summary : null;
  return [
    {
      id: 'asterisk-latency',
      section: 'asterisk',
      what: 'real Asterisk: DTMF → next prompt p99 at 100 callers keying at once',
      target: '≤ 50 ms',
      measured: at100 ? `${at100.line.all.p99} ms (dialplan IVR ${at100.dialplan.all.p99} ms); ${at100.line.failed} calls failed` : none,
      met: at100 ? at100.line.all.p99 <= 50 && at100.line.failed === 0 : null,
    },
    {
      id: 'asterisk-ratio',
      section: 'asterisk',
      what: 'real Asterisk: DTMF → next prompt p50 at 100 callers, against the pure-dialplan IVR on the same PBX',
      target: '≤ 3× the dialplan',
      measured: at100 ? `${at100.line.all.p50} ms vs ${at100.dialplan.all.p50} ms (${ratio === null ? '—' : `${Math.round(ratio * 10) / 10}×`})` : none,
      // A dialplan p50 of 0 ms (same millisecond) leaves no ratio: judge it against 1 ms.
      met: at100 ? at100.line.all.p50 <= 3 * Math.max(1, at100.dialplan.all.p50) : null,
    },
    {
      id: 'asterisk-engineer-ring',
      section: 'asterisk',
      what: 'real Asterisk: critical key → first engineer\'s phone ringing (slowest call)',
      target: '≤ 2 s',
      measured: ring ? `${ring.max} ms (p50 ${ring.p50} ms, ${ring.count} calls)` : real ? `no engineer rang: ${real.engineerRing.failures.join('; ')}` : none,
      met: ring ? ring.max <= 2_000 && real!.engineerRing.failures.length === 0 : real ? false : null,
    },
  ];
}

export function renderAsterisk(a: AsteriskResult): string {
  if (a.skipped !== null) return a.skipped;
  const cell = (s: { p50: number; p99: number }) => `${s.p50} / ${s.p99}`;
  const rows: string[][] = [];
  for (const l of a.levels) {
    for (const step of ['pin', 'menu', 'critical'] as const) {
      rows.push([String(l.callers), step === 'pin' ? 'PIN # → menu' : step === 'menu' ? 'menu 1 → critical question' : 'critical 2 → ticket reference', cell(l.line.byStep[step]), cell(l.dialplan.byStep[step]), '', '', '', '']);
    }
    rows.push([
      String(l.callers),
      '**all steps**',
      `**${cell(l.line.all)}**`,
      `**${cell(l.dialplan.all)}**`,
      `${l.line.failed} / ${l.dialplan.failed}`,
      `${l.line.lineCpuMsPerCall} ms`,
      `${l.line.asteriskCpuMsPerCall} / ${l.dialplan.asteriskCpuMsPerCall} ms`,
      String(l.loadAverage),
    ]);
  }
  const r = a.engineerRing;
  return (
    table(['Callers', 'Step', 'Line p50 / p99 (ms)', 'Dialplan p50 / p99 (ms)', 'Failed (line / dialplan)', 'Line CPU per call', 'Asterisk CPU per call (line / dialplan run)', 'Load average'], rows) +
    `\n\nCritical key → first engineer's phone ringing: ${r.samples.length > 0 ? `p50 ${r.summary.p50} ms, max ${r.summary.max} ms over ${r.samples.length} calls (${r.samples.join(', ')} ms)` : 'no sample'}` +
    (r.failures.length > 0 ? `; failures: ${r.failures.join('; ')}` : '') +
    '.' +
    (a.failures.length > 0 ? `\n\nFailed calls:\n\n${a.failures.map((f) => `- ${f}`).join('\n')}` : '') +
    `\n\n${a.notes.map((x) => `- ${x}`).join('\n')}`
  );
}
