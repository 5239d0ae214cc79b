// PIN digits never leave the flow: not in logs, not in timelines, not in errors.
import type { Command, FlowEvent, FlowState } from './types.ts';

const mask = (digits: string): string => '•'.repeat(digits.length);

/** The event as the timeline and logs may show it. */
export function redactEvent(state: FlowState, event: FlowEvent): FlowEvent {
  if (event.type === 'input' && state.phase === 'pin') return { ...event, digits: mask(event.digits) };
  return event;
}

export function redactCommand(command: Command): Command {
  if (command.kind === 'checkPin') return { ...command, pin: mask(command.pin) };
  return command;
}
