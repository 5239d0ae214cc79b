// The events this carrier acts on, as a discriminated union checked at the edge.
// Anything else Asterisk sends is ignored (logged at debug) rather than trusted.
import { z } from 'zod';
import type { Bridge, Channel, LiveRecording, Playback } from './models.ts';

const callerId = z.looseObject({ name: z.string(), number: z.string() });
const channel = z.looseObject({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  caller: callerId,
  connected: callerId,
  dialplan: z.looseObject({
    context: z.string(),
    exten: z.string(),
    priority: z.number(),
    app_name: z.string().optional(),
    app_data: z.string().optional(),
  }),
  creationtime: z.string(),
  language: z.string(),
});
const playback = z.looseObject({
  id: z.string(),
  media_uri: z.string(),
  target_uri: z.string(),
  state: z.string(),
  next_media_uri: z.string().optional(),
});
const recording = z.looseObject({
  name: z.string(),
  format: z.string(),
  target_uri: z.string(),
  state: z.string(),
  duration: z.number().optional(),
  talking_duration: z.number().optional(),
  silence_duration: z.number().optional(),
  cause: z.string().optional(),
});
const bridge = z.looseObject({ id: z.string(), bridge_type: z.string(), channels: z.array(z.string()) });
const base = { application: z.string(), timestamp: z.string() };

const schemas = {
  StasisStart: z.looseObject({ ...base, args: z.array(z.string()), channel }),
  StasisEnd: z.looseObject({ ...base, channel }),
  ChannelDtmfReceived: z.looseObject({ ...base, digit: z.string(), duration_ms: z.number(), channel }),
  ChannelStateChange: z.looseObject({ ...base, channel }),
  ChannelHangupRequest: z.looseObject({ ...base, cause: z.number().optional(), soft: z.boolean().optional(), channel }),
  ChannelDestroyed: z.looseObject({ ...base, cause: z.number(), cause_txt: z.string(), channel }),
  Dial: z.looseObject({ ...base, dialstatus: z.string(), peer: channel }),
  PlaybackStarted: z.looseObject({ ...base, playback }),
  PlaybackContinuing: z.looseObject({ ...base, playback }),
  PlaybackFinished: z.looseObject({ ...base, playback }),
  RecordingStarted: z.looseObject({ ...base, recording }),
  RecordingFinished: z.looseObject({ ...base, recording }),
  RecordingFailed: z.looseObject({ ...base, recording }),
  ChannelEnteredBridge: z.looseObject({ ...base, bridge, channel: channel.optional() }),
  ChannelLeftBridge: z.looseObject({ ...base, bridge, channel }),
  BridgeDestroyed: z.looseObject({ ...base, bridge }),
  ApplicationReplaced: z.looseObject({ ...base }),
} as const;

interface Base {
  application: string;
  timestamp: string;
}

export type AriEvent =
  | (Base & { type: 'StasisStart'; args: string[]; channel: Channel })
  | (Base & { type: 'StasisEnd'; channel: Channel })
  | (Base & { type: 'ChannelDtmfReceived'; digit: string; duration_ms: number; channel: Channel })
  | (Base & { type: 'ChannelStateChange'; channel: Channel })
  | (Base & { type: 'ChannelHangupRequest'; cause?: number; soft?: boolean; channel: Channel })
  | (Base & { type: 'ChannelDestroyed'; cause: number; cause_txt: string; channel: Channel })
  | (Base & { type: 'Dial'; dialstatus: string; peer: Channel })
  | (Base & { type: 'PlaybackStarted' | 'PlaybackContinuing' | 'PlaybackFinished'; playback: Playback })
  | (Base & { type: 'RecordingStarted' | 'RecordingFinished' | 'RecordingFailed'; recording: LiveRecording })
  | (Base & { type: 'ChannelEnteredBridge'; bridge: Bridge; channel?: Channel })
  | (Base & { type: 'ChannelLeftBridge'; bridge: Bridge; channel: Channel })
  | (Base & { type: 'BridgeDestroyed'; bridge: Bridge })
  | (Base & { type: 'ApplicationReplaced' });

export type AriEventType = AriEvent['type'];

export type ParsedEvent =
  | { ok: true; event: AriEvent }
  | { ok: false; type: string | null; reason: 'not-json' | 'unknown-type' | 'bad-shape'; detail?: string };

function isKnown(type: string): type is keyof typeof schemas {
  return Object.prototype.hasOwnProperty.call(schemas, type);
}

/** One WebSocket text frame → a typed event, or why not. Never throws. */
export function parseAriEvent(text: string): ParsedEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, type: null, reason: 'not-json' };
  }
  const type = typeof raw === 'object' && raw !== null && 'type' in raw && typeof raw.type === 'string' ? raw.type : null;
  if (type === null || !isKnown(type)) return { ok: false, type, reason: 'unknown-type' };
  const parsed = schemas[type].safeParse(raw);
  if (!parsed.success) {
    return { ok: false, type, reason: 'bad-shape', detail: parsed.error.issues.map((i) => i.path.join('.')).join(', ') };
  }
  // The schema for `type` checked exactly the fields the union member declares.
  return { ok: true, event: { ...parsed.data, type } as AriEvent };
}
