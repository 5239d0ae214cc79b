// Q.850 hangup causes as Asterisk reports them, and what they mean for an engineer leg.
import type { EngineerOutcome } from '../../domain/flow/types.ts';

const CAUSE_TEXT: Record<number, string> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  3: 'No route to destination',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  20: 'Subscriber absent',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  27: 'Destination out of order',
  28: 'Invalid number format',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  41: 'Temporary failure',
  42: 'Switching equipment congestion',
  127: 'Interworking, unspecified',
};

export function causeText(cause: number | undefined): string {
  if (cause === undefined) return 'Unknown';
  return CAUSE_TEXT[cause] ?? `Cause ${cause}`;
}

/** Why an engineer leg that never answered ended, from the Dial status or, failing that, the cause. */
export function unansweredOutcome(dialStatus: string | null, cause: number | undefined): Extract<EngineerOutcome, 'no_answer' | 'busy' | 'failed'> {
  switch (dialStatus) {
    case 'BUSY':
      return 'busy';
    case 'NOANSWER':
    case 'CANCEL':
      return 'no_answer';
    case 'CONGESTION':
    case 'CHANUNAVAIL':
      return 'failed';
  }
  switch (cause) {
    case 17:
    case 21:
      return 'busy';
    case 18:
    case 19:
      return 'no_answer';
    default:
      return 'failed';
  }
}
