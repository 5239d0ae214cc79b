// The command-line carrier: a scripted caller (and engineers, and a desk) on the
// real flow and the real stores. It executes media commands as a transcript.
import { randomUUID } from 'node:crypto';
import type { CallDriver, Step } from '../../calls/types.ts';
import { engineerKeyOutcome } from '../../domain/flow/rules.ts';
import type { MediaCommand } from '../../domain/flow/types.ts';
import { utteranceText } from '../../domain/prompts.ts';

export type EngineerScript = 'accept' | 'decline' | 'no-answer' | 'voicemail' | 'busy';
export const ENGINEER_SCRIPTS: readonly EngineerScript[] = ['accept', 'decline', 'no-answer', 'voicemail', 'busy'];

export interface CallScript {
  from: string;
  to: string;
  /** One entry per question: the keys pressed (`4821#`), or `-` for silence. */
  keys: string[];
  /** What each engineer rung does, in order; when the list runs out, engineers do not answer. */
  engineers: EngineerScript[];
  desk: 'answer' | 'no-answer';
  /** Seconds of message the caller leaves when asked. */
  messageSeconds: number;
}

export interface TranscriptLine {
  at: string;
  who: 'line' | 'caller' | 'engineer' | 'desk';
  text: string;
}

export interface ScriptedCall {
  callId: string;
  transcript: TranscriptLine[];
}

/** Seconds the simulated clock moves for each thing that happens on the call. */
const SAY_SECONDS = 4;

export async function runScriptedCall(
  driver: CallDriver,
  script: CallScript,
  clock: { now(): Date; advance(seconds: number): void },
  onLine: (line: TranscriptLine) => void = () => {},
): Promise<ScriptedCall> {
  const transcript: TranscriptLine[] = [];
  const say = (who: TranscriptLine['who'], text: string) => {
    const line = { at: clock.now().toISOString(), who, text };
    transcript.push(line);
    onLine(line);
  };
  const keys = [...script.keys];
  const engineers = [...script.engineers];

  let step: Step = await driver.start({
    carrier: 'cli',
    carrierCallId: randomUUID(),
    from: script.from,
    to: script.to,
    at: clock.now(),
  });
  const callId = step.callId;
  const feed = (event: Parameters<CallDriver['feed']>[1]) => driver.feed(callId, event, clock.now());

  for (;;) {
    let next: Step | null = null;
    for (const command of step.commands) {
      next = await execute(command);
      if (next) break;
    }
    if (next) {
      step = next;
      continue;
    }
    if (step.ended) break;
    // The flow is waiting on nothing the script can give (a connected call): the caller rings off.
    clock.advance(60);
    say('caller', '(hangs up)');
    step = await feed({ type: 'hangup', cause: 'Normal Clearing' });
    if (step.commands.length === 0) break;
  }
  return { callId, transcript };

  async function execute(command: MediaCommand): Promise<Step | null> {
    switch (command.kind) {
      case 'play':
        say('line', utteranceText(command.utterance));
        clock.advance(SAY_SECONDS);
        return null;
      case 'gather': {
        say('line', utteranceText(command.utterance));
        clock.advance(SAY_SECONDS);
        const entry = keys.shift();
        if (entry === undefined) {
          say('caller', '(hangs up)');
          return feed({ type: 'hangup', cause: 'Normal Clearing' });
        }
        if (entry === '-' || entry === '') {
          say('caller', '(silence)');
          clock.advance(command.timeoutSeconds);
          return feed({ type: 'inputTimeout' });
        }
        say('caller', `presses ${command.secret ? entry.replace(/[^#*]/g, '•') : entry}`);
        clock.advance(1);
        const digits = command.terminator && entry.endsWith(command.terminator) ? entry.slice(0, -1) : entry;
        return feed({ type: 'input', digits });
      }
      case 'connectDesk': {
        say('line', `(connecting to the ${command.queue} desk)`);
        if (script.desk === 'answer') {
          clock.advance(10);
          say('desk', 'answers');
          return feed({ type: 'deskResult', outcome: 'answered' });
        }
        clock.advance(command.ringSeconds);
        say('desk', '(no answer)');
        return feed({ type: 'deskResult', outcome: 'no_answer' });
      }
      case 'dialEngineer': {
        const who = `${command.engineer.name} (${command.engineer.level})`;
        say('line', `(ringing ${who}; the caller hears: ${utteranceText([...command.announce, ...command.hold])})`);
        const plan = engineers.shift() ?? 'no-answer';
        const id = command.engineer.engineerId;
        if (plan === 'no-answer' || plan === 'busy') {
          clock.advance(plan === 'busy' ? 1 : command.ringSeconds);
          say('engineer', plan === 'busy' ? `${who}: busy` : `${who}: no answer`);
          return feed({ type: 'engineerResult', engineerId: id, outcome: plan === 'busy' ? 'busy' : 'no_answer' });
        }
        clock.advance(5);
        await feed({ type: 'engineerAnswered', engineerId: id });
        say('engineer', `${who} answers and hears: ${utteranceText(command.whisper)}`);
        clock.advance(SAY_SECONDS);
        // The engineer presses the key the whisper asks for, or another one; the flow's rule says what it means.
        const key = plan === 'accept' ? command.acceptKey : plan === 'decline' ? otherKey(command.acceptKey) : null;
        const outcome = engineerKeyOutcome(command, key);
        say('engineer', key ? `${who} presses ${key}` : `${who}: voicemail, no key`);
        if (outcome === 'no_key') clock.advance(command.whisperTimeoutSeconds);
        return feed({ type: 'engineerResult', engineerId: id, outcome });
      }
      case 'bridgeEngineer':
        say('line', '(caller and engineer connected)');
        return null;
      case 'record': {
        say('line', '(recording; beep)');
        clock.advance(script.messageSeconds);
        say('caller', `(leaves a ${script.messageSeconds}-second message)`);
        return feed({
          type: 'recorded',
          recordingName: script.messageSeconds > 0 ? command.name : null,
          durationSeconds: script.messageSeconds,
        });
      }
      case 'hangup':
        say('line', '(hangs up)');
        return null;
    }
  }
}

/** A key that is not the accept key (what an engineer passing the call on presses). */
function otherKey(acceptKey: string): string {
  return acceptKey === '2' ? '3' : '2';
}
