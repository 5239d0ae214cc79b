// Closing the office for a while, or taking a closure back: the closure, the
// recompute of open tickets' office-hours timers it causes (./recompute.ts) and
// their audit rows are one transaction, so a closure is never in force without its
// tickets' times having moved with it. The console's API and the CLI both come here.
import type { Division } from '../domain/calendar/bank-holidays.ts';
import { audit } from '../store/audit.ts';
import { addClosure, getClosure, removeClosure, type ClosureRecord } from '../store/closures.ts';
import type { Db } from '../store/db.ts';
import { requireText } from '../store/validate.ts';
import { recomputeOnCalendarChange } from './recompute.ts';

export interface ClosureDeps {
  db: Db;
  /** The office calendar's division (OFFICE_DIVISION). */
  division: Division;
}

export interface CalendarChanged {
  /** Open tickets whose office-hours times moved, and how many timers moved. */
  tickets: number;
  timersMoved: number;
}

export async function addOfficeClosure(
  deps: ClosureDeps,
  input: { from: Date; to: Date; reason: string; actor: string; at: Date },
): Promise<CalendarChanged & { closure: ClosureRecord }> {
  const actor = requireText(input.actor, 'actor');
  return deps.db.tx(async (tx) => {
    const closure = await addClosure(tx, { from: input.from, to: input.to, reason: input.reason, createdBy: actor });
    await audit(tx, {
      actor,
      action: 'closure.added',
      entity: 'closure',
      entityId: closure.id,
      detail: { from: closure.from, to: closure.to, reason: closure.reason },
      at: input.at,
    });
    return { closure, ...(await recompute(tx, deps, actor, input.at, { closure: closure.id, change: 'added' })) };
  });
}

/** Null when there is no such closure (nothing is written). */
export async function removeOfficeClosure(
  deps: ClosureDeps,
  input: { id: string; actor: string; at: Date },
): Promise<CalendarChanged | null> {
  const actor = requireText(input.actor, 'actor');
  return deps.db.tx(async (tx) => {
    const existing = await getClosure(tx, input.id);
    if (!existing || !(await removeClosure(tx, input.id))) return null;
    await audit(tx, {
      actor,
      action: 'closure.removed',
      entity: 'closure',
      entityId: input.id,
      detail: { from: existing.from, to: existing.to, reason: existing.reason },
      at: input.at,
    });
    return recompute(tx, deps, actor, input.at, { closure: input.id, change: 'removed' });
  });
}

async function recompute(tx: Db, deps: ClosureDeps, actor: string, at: Date, reason: Record<string, unknown>): Promise<CalendarChanged> {
  const result = await recomputeOnCalendarChange(tx, { actor, division: deps.division, at, reason });
  return { tickets: result.tickets, timersMoved: result.moved.length };
}
