// The URLs this app hands Twilio in TwiML. They are absolute (Twilio resolves a
// relative URL against the public one, which breaks behind a path prefix) and carry
// the step counter that makes a retried webhook recognisable: the document answering
// the request at step n points every URL at step n + 1.
import { z } from 'zod';
import type { Segment, Utterance } from '../../domain/prompts.ts';
import { isPromptId } from '../../domain/prompts.ts';

/** What a `/twilio/step` request reports. */
export const STEP_KINDS = ['gather', 'desk', 'no-desk', 'engineer', 'queue', 'record', 'record-empty'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const SAFE_STAGES = ['desk-done', 'recorded', 'record-empty'] as const;
export type SafeStage = (typeof SAFE_STAGES)[number];

export interface Links {
  voice(): string;
  step(callId: string, step: number, on: StepKind, extra?: Record<string, string>): string;
  /** `parent`: the caller's CallSid, for an engineer rung through the REST API (no ParentCallSid then). */
  screen(callId: string, step: number, engineerId: string, whisper: Utterance, timeoutSeconds: number, acceptKey: string, parent?: string): string;
  screenResult(callId: string, step: number, engineerId: string, acceptKey: string, parent?: string): string;
  /** What a queued caller hears while the engineer rings: `first` once, then `hold`. */
  wait(callId: string, first: Utterance, hold: Utterance): string;
  deskAnswer(callId: string, step: number): string;
  legStatus(callId: string, step: number, leg: 'engineer' | 'desk', engineerId?: string, parent?: string): string;
  recordingStatus(callId: string | undefined, name: string): string;
  sipResult(): string;
  safe(stage: SafeStage): string;
  prompt(id: string, extension: string): string;
}

export function createLinks(publicBaseUrl: string): Links {
  const base = `${publicBaseUrl.replace(/\/+$/, '')}/twilio`;
  const url = (path: string, query: Record<string, string | number | undefined>): string => {
    const pairs = Object.entries(query)
      .filter((e): e is [string, string | number] => e[1] !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
    return pairs.length > 0 ? `${base}${path}?${pairs.join('&')}` : `${base}${path}`;
  };
  return {
    voice: () => url('/voice', {}),
    step: (call, step, on, extra = {}) => url('/step', { call, step, on, ...extra }),
    screen: (call, step, engineer, whisper, timeout, acceptKey, parent) =>
      url('/screen', { call, step, engineer, t: timeout, k: acceptKey, w: encodeUtterance(whisper), parent }),
    screenResult: (call, step, engineer, acceptKey, parent) => url('/screen-result', { call, step, engineer, k: acceptKey, parent }),
    wait: (call, first, hold) => url('/wait', { call, w: encodeUtterance(first), h: encodeUtterance(hold) }),
    deskAnswer: (call, step) => url('/desk-answer', { call, step }),
    legStatus: (call, step, leg, engineer, parent) => url('/status', { call, step, leg, engineer, parent }),
    recordingStatus: (call, name) => url('/recording-status', { call, name }),
    sipResult: () => url('/sip-result', {}),
    safe: (stage) => url('/safe', { stage }),
    prompt: (id, extension) => `${base}/prompts/${encodeURIComponent(id)}.${extension}`,
  };
}

// The whisper (and the key that accepts) travel in the (signed) screening URL so the
// engineer's leg needs no lookup: a retried or late screening request still knows what to say.
export function encodeUtterance(utterance: Utterance): string {
  return Buffer.from(JSON.stringify(utterance), 'utf8').toString('base64url');
}

const segment: z.ZodType<Segment> = z.lazy(() =>
  z.union([
    z.object({ type: z.literal('prompt'), id: z.string().refine(isPromptId, 'unknown prompt') }),
    z.object({ type: z.literal('digits'), value: z.string().max(64) }),
    z.object({ type: z.literal('number'), value: z.number() }),
    z.object({ type: z.literal('text'), value: z.string().max(200), fallback: z.array(segment).max(16) }),
  ]),
) as z.ZodType<Segment>;

export function decodeUtterance(encoded: string): Utterance | null {
  try {
    const parsed = z.array(segment).max(32).safeParse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
