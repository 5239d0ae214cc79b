// A hole in the demo rota: the primary on call on Wednesday 25 November 2026 goes
// home at 18:00 and the next primary starts at 08:00 on Thursday, so a Cat4 critical
// call that night would find nobody first in line.
import type { Db } from '../../src/store/db.ts';
import { addShift } from '../../src/store/rota.ts';

export const GAP = { from: new Date('2026-11-25T18:00:00Z'), to: new Date('2026-11-26T08:00:00Z') };

export async function openWednesdayNightGap(db: Db): Promise<void> {
  const [shift] = await db.query<{ id: string; engineer_id: string; ends_at: Date }>(
    `select id::text, engineer_id::text, ends_at from rota_shifts
      where level = 'primary' and not is_override and starts_at <= $1 and ends_at >= $2`,
    [GAP.from, GAP.to],
  );
  if (!shift) throw new Error('the demo rota has no primary across Wednesday night');
  await db.query('update rota_shifts set ends_at = $2 where id = $1', [shift.id, GAP.from]);
  await addShift(db, { engineerId: shift.engineer_id, level: 'primary', from: GAP.to, to: shift.ends_at });
}
