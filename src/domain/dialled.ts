// Which of the line's numbers the caller dialled, and what that number promises.
// The carriers only pass the dialled number on; the meaning of each profile is here.
import type { Tier } from './contracts.ts';

export const DIALLED_PROFILES = ['main', 'cat4_24h', 'billing'] as const;
export type DialledProfile = (typeof DIALLED_PROFILES)[number];

/** What the flow knows of the number dialled (decided before the greeting). */
export interface Dialled {
  profile: DialledProfile;
  /** The main support number (E.164), told to a caller who dialled a number not theirs; null if none is set. */
  mainNumber: string | null;
  /** The number dialled itself in E.164 (however the carrier wrote it), when it could be read: announcements may be for one number. */
  number?: string | null;
}

/** A number the line does not know, or a lookup that could not be made: today's behaviour. */
export const MAIN_LINE: Dialled = { profile: 'main', mainNumber: null };

/**
 * Where an authenticated caller goes first. The Cat4 24-hour number goes straight to the
 * fault questions for a Cat4 customer; anyone else on it is told the main number and
 * hears the usual menu. The billing number goes straight to billing.
 */
export function firstStep(dialled: Dialled, tier: Tier): 'menu' | 'fault' | 'billing' | 'wrongNumberMenu' {
  switch (dialled.profile) {
    case 'main':
      return 'menu';
    case 'billing':
      return 'billing';
    case 'cat4_24h':
      return tier === 'Cat4' ? 'fault' : 'wrongNumberMenu';
  }
}

/**
 * A UK number as people say it: 0800 123 4567, 01632 960000, 020 7946 0000, 07700 900123.
 * Digits in groups; other countries' numbers are read digit by digit from the +.
 */
export function spokenGroups(e164: string): string[] {
  if (!e164.startsWith('+44')) return [e164.replace(/^\+/, '')];
  const national = `0${e164.slice(3)}`;
  const groups = (...sizes: number[]) => {
    const out: string[] = [];
    let at = 0;
    for (const size of sizes) {
      out.push(national.slice(at, at + size));
      at += size;
    }
    if (at < national.length) out[out.length - 1] += national.slice(at);
    return out.filter((g) => g !== '');
  };
  if (/^02/.test(national)) return groups(3, 4, 4);
  if (/^0(8|3|7)/.test(national)) return groups(4, 3, 4);
  if (/^01\d1/.test(national) || /^011/.test(national)) return groups(4, 3, 4);
  return groups(5, 6);
}
