// The SLA report's months: UK calendar months, whichever door asks (the API's
// /reports/sla and the console's Reports page share one window).
import { describe, expect, it } from 'vitest';
import { monthWindow } from '../../src/http/api/reports.ts';
import { HttpError } from '../../src/http/errors.ts';

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
