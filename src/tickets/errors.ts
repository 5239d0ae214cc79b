// The ticket service's refusals, as the store's typed errors so HTTP (409/404/422)
// and the CLI (exit 2) already know how to report them.
import { ConflictError } from '../store/errors.ts';

/** The action does not apply to the ticket as it stands (resolving a closed ticket). */
export class TicketConflictError extends ConflictError {
  constructor(
    message: string,
    readonly code: 'illegal_transition' | 'already_done' = 'illegal_transition',
  ) {
    super(message);
  }
}
