// The SLA report's months and its CSV, whichever door asks (the API's /reports/sla
// and the console's Reports page share one window and one CSV).
import { describe, expect, it } from 'vitest';
import { monthWindow, slaReportCsv } from '../../src/http/api/reports.ts';
import { HttpError } from '../../src/http/errors.ts';
import type { SlaReportRow } from '../../src/store/reports.ts';

describe('a month of the SLA report', () => {
  it('runs from UK midnight on the 1st to UK midnight on the 1st of the next', () => {
    expect(monthWindow('2026-11')).toEqual({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') });
  });

  it('follows British Summer Time: October starts at 23:00 UTC the day before, March ends at 23:00 UTC', () => {
    expect(monthWindow('2026-10')).toEqual({ from: new Date('2026-09-30T23:00:00Z'), to: new Date('2026-11-01T00:00:00Z') });
    expect(monthWindow('2026-03')).toEqual({ from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-31T23:00:00Z') });
  });

  it('refuses what is not YYYY-MM with a 422', () => {
    for (const bad of ['2026-13', '2026-1', 'November', '2026-11-01']) {
      expect(() => monthWindow(bad), bad).toThrow(HttpError);
    }
    expect(() => monthWindow('2026-00')).toThrow(expect.objectContaining({ status: 422 }));
  });
});

const row = (over: Partial<SlaReportRow>): SlaReportRow => ({
  month: '2026-11',
  account: { id: '1', number: '10001', name: 'Acme Ltd' },
  overall: false,
  tickets: 3,
  met: 5,
  breached: 1,
  shareMet: 0.8333,
  responseMedianMinutes: 60,
  responseP90Minutes: 132,
  responded: 3,
  serviceCredits: 1,
  escalations: 0,
  ...over,
});

describe('the SLA report as CSV', () => {
  it('has a header, a row per account and the overall row, CRLF-ended', () => {
    const csv = slaReportCsv([row({}), row({ overall: true, account: null })]);
    expect(csv.split('\r\n')).toEqual([
      'month,account_number,account_name,tickets,targets_met,targets_breached,share_met,response_median_minutes,response_p90_minutes,responded,service_credits,complaint_escalations',
      '2026-11,10001,Acme Ltd,3,5,1,0.8333,60,132,3,1,0',
      '2026-11,ALL,All accounts,3,5,1,0.8333,60,132,3,1,0',
      '',
    ]);
  });

  it('leaves a month with nothing decided blank, and names tickets of callers with no account', () => {
    const csv = slaReportCsv([row({ account: null, met: 0, breached: 0, shareMet: null, responseMedianMinutes: null, responseP90Minutes: null, responded: 0 })]);
    expect(csv.split('\r\n')[1]).toBe('2026-11,,(no account),3,0,0,,,,0,1,0');
  });

  it('keeps an account name a spreadsheet would run as a formula as text, and quotes commas and quotes', () => {
    const csv = slaReportCsv([
      row({ account: { id: '2', number: '10002', name: '=HYPERLINK("http://x","y")' } }),
      row({ account: { id: '3', number: '10003', name: 'Smith, Jones & "Co"' } }),
    ]);
    const [, hostile, quoted] = csv.split('\r\n');
    expect(hostile).toBe(`2026-11,10002,"'=HYPERLINK(""http://x"",""y"")",3,5,1,0.8333,60,132,3,1,0`);
    expect(quoted).toBe('2026-11,10003,"Smith, Jones & ""Co""",3,5,1,0.8333,60,132,3,1,0');
  });
});
