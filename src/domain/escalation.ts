// Who to ring, in what order, for an escalated call: the on-call rota at one
// instant, read as primary → secondary → escalation manager.
import type { EngineerLeg, EscalationPlan } from './flow/types.ts';

export type RotaLevel = EngineerLeg['level'];
export const ROTA_LEVELS: readonly RotaLevel[] = ['primary', 'secondary', 'manager'];

export const DEFAULT_RING_SECONDS = 25;
export const DEFAULT_ROUNDS = 2;

export interface RotaShift {
  engineerId: string;
  level: RotaLevel;
  startsAt: Date;
  endsAt: Date;
  /** An override replaces the ordinary shifts of its level while it runs. */
  isOverride: boolean;
}

export interface RotaEngineer {
  id: string;
  name: string;
  phone: string;
  dialTarget: string | null;
  active: boolean;
}

/** Shifts covering `at`, per level, with overrides replacing ordinary shifts. */
export function onCallAt(shifts: readonly RotaShift[], at: Date): Record<RotaLevel, RotaShift[]> {
  const t = at.getTime();
  const result: Record<RotaLevel, RotaShift[]> = { primary: [], secondary: [], manager: [] };
  for (const level of ROTA_LEVELS) {
    const covering = shifts
      .filter((s) => s.level === level && s.startsAt.getTime() <= t && t < s.endsAt.getTime())
      .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
    const overrides = covering.filter((s) => s.isOverride);
    result[level] = overrides.length > 0 ? overrides : covering;
  }
  return result;
}

export interface PlanInput {
  shifts: readonly RotaShift[];
  engineers: readonly RotaEngineer[];
  at: Date;
  /** Engineers already on an escalated call: never rung for a second one. */
  busy: ReadonlySet<string>;
  ringSeconds?: number;
  rounds?: number;
}

export function planEscalation(input: PlanInput): EscalationPlan {
  const byId = new Map(input.engineers.map((e) => [e.id, e]));
  const onCall = onCallAt(input.shifts, input.at);
  const seen = new Set<string>();
  const legs: EngineerLeg[] = [];
  for (const level of ROTA_LEVELS) {
    for (const shift of onCall[level]) {
      const engineer = byId.get(shift.engineerId);
      if (!engineer || !engineer.active || seen.has(engineer.id) || input.busy.has(engineer.id)) continue;
      seen.add(engineer.id);
      legs.push({
        engineerId: engineer.id,
        name: engineer.name,
        phone: engineer.phone,
        dialTarget: engineer.dialTarget ?? '',
        level,
      });
    }
  }
  return {
    legs,
    ringSeconds: input.ringSeconds ?? DEFAULT_RING_SECONDS,
    rounds: input.rounds ?? DEFAULT_ROUNDS,
  };
}
