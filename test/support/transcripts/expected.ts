// Where each caller should end up, by contract tier and time of call: the table to
// check against the contract terms (../shared/seeds/004: "Working hours are 9-5
// Mon-Fri except holidays"; CatS ad hoc at £70 + VAT per incident; Cat1 remote, 8
// working hours; Cat2 "cover extended to 7am - 11pm"; Cat4 "a 24Hour 0800 access
// number"; "days when support levels are reduced during office shutdowns").
// The transcripts tests run every cell of it on both carriers.
import type { Tier } from '../../../src/domain/contracts.ts';

/** Where a whole call ends up: a person at the desk or accounts, the on-call engineer, a message, or told a ticket's status. */
export type Reached = 'desk' | 'accounts' | 'oncall' | 'message' | 'told';
export type Route = 'fault, critical' | 'fault, standard' | 'ticket status' | 'complaint' | 'billing';

export const TIERS: readonly Tier[] = ['None', 'CatS', 'Cat1', 'Cat2', 'Cat4'];
export const ROUTES: readonly Route[] = ['fault, critical', 'fault, standard', 'ticket status', 'complaint', 'billing'];

/** One instant per kind of time (UK time is UTC in November and December). */
export const BANDS = {
  office: { at: '2026-11-18T10:00:00Z', says: 'weekday office hours (Wednesday 10:00)' },
  evening: { at: '2026-11-18T20:00:00Z', says: "weekday evening (Wednesday 20:00, inside Cat2's 07:00–23:00)" },
  night: { at: '2026-11-19T03:00:00Z', says: 'weekday night (Thursday 03:00)' },
  weekend: { at: '2026-11-21T11:00:00Z', says: 'weekend (Saturday 11:00)' },
  bankHoliday: { at: '2026-12-28T10:00:00Z', says: 'bank holiday (Monday 28 December 10:00, Boxing Day substitute)' },
  closure: { at: '2026-12-24T10:00:00Z', says: 'office closure (Thursday 24 December 10:00, Christmas Eve shutdown)' },
} as const;
export type Band = keyof typeof BANDS;

/** The office closure the tests seed: Christmas Eve, office hours only (closures never stop Cat2 or Cat4 cover). */
export const CLOSURE = { from: '2026-12-24T00:00:00Z', to: '2026-12-25T00:00:00Z', reason: 'Christmas Eve shutdown' };

// A fault, critical/standard where they differ. None and CatS hear the £70 + VAT
// charge and accept it first, wherever the call then goes.
const FAULTS = `
               None      CatS      Cat1      Cat2      Cat4
  office       desk      desk      desk      desk      desk
  evening      message   message   message   oncall    oncall/message
  night        message   message   message   message   oncall/message
  weekend      message   message   message   oncall    oncall/message
  bankHoliday  message   message   message   oncall    oncall/message
  closure      message   message   message   oncall    oncall/message
`;

// Complaints and billing are handled in office hours whatever the contract; a
// ticket's status is read back at any hour.
const OTHERS: Record<Exclude<Route, 'fault, critical' | 'fault, standard'>, { officeOpen: Reached; officeClosed: Reached }> = {
  complaint: { officeOpen: 'desk', officeClosed: 'message' },
  billing: { officeOpen: 'accounts', officeClosed: 'message' },
  'ticket status': { officeOpen: 'told', officeClosed: 'told' },
};

const faults = parseGrid(FAULTS);

export function expectedReach(tier: Tier, band: Band, route: Route): Reached {
  if (route === 'fault, critical' || route === 'fault, standard') {
    const [critical, standard = critical] = faults[band][tier].split('/') as [Reached, Reached?];
    return route === 'fault, critical' ? critical : standard;
  }
  return band === 'office' ? OTHERS[route].officeOpen : OTHERS[route].officeClosed;
}

function parseGrid(grid: string): Record<Band, Record<Tier, string>> {
  const [header, ...rows] = grid.trim().split('\n').map((line) => line.trim().split(/\s+/));
  const out = {} as Record<Band, Record<Tier, string>>;
  for (const [band, ...cells] of rows) {
    if (!band || !(band in BANDS) || cells.length !== header?.length) throw new Error(`transcripts table: bad row "${band}"`);
    out[band as Band] = Object.fromEntries(header.map((tier, i) => [tier, cells[i]])) as Record<Tier, string>;
  }
  return out;
}
