// What the simulated Asterisk does for each REST operation, with the status codes and
// `{"message": …}` bodies real Asterisk gives (IVR-SUBSET.md §0-1). Requests have
// already been checked against the ARI description; these check the state.
import { randomUUID } from 'node:crypto';
import type { OperationSpec } from './spec.ts';
import { REASON_CAUSE, asteriskTime, type PartyHooks, type SimChannel, type World } from './world.ts';

export interface SimRequest {
  op: OperationSpec;
  pathParams: Record<string, string>;
  query: Map<string, string>;
  body: Record<string, unknown> | null;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Runs once the response is written: the events that follow the request. */
  after?: () => void;
  /**
   * Asterisk answers only once this settles (a request waiting on a channel's Stasis
   * thread); `then` gives the answer at that moment.
   */
  held?: { until: Promise<void>; then: () => Reply };
}

export interface SimContext {
  world: World;
  app: string;
  asteriskId: string;
  startedAt: number;
  partyFor(resource: string): PartyHooks | null;
  /** The sound ids in Asterisk's sounds/en folder. */
  sounds(): string[];
  violation(message: string): void;
}

type Handler = (req: SimRequest, ctx: SimContext) => Reply;

const RECORDING_FORMATS = new Set(['wav', 'wav16', 'gsm', 'ulaw', 'alaw', 'sln', 'g722', 'g729', 'wav49', 'ogg']);
const BRIDGE_TYPES = new Set(['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label']);
const NOT_READY = new Set(['Down', 'Rsrved', 'Ringing']);

const error = (status: number, message: string): Reply => ({ status, body: { message } });
const ok = (body: unknown, after?: () => void): Reply => ({ status: 200, body, after });
const noContent = (after?: () => void): Reply => ({ status: 204, after });

/** A parameter's value: a top-level key of a JSON body wins over the query (as in Asterisk). */
function param(req: SimRequest, name: string): string | undefined {
  const fromBody = req.body?.[name];
  if (fromBody !== undefined && typeof fromBody !== 'object') return String(fromBody);
  return req.query.get(name);
}

function intParam(req: SimRequest, name: string, fallback: number): number {
  const v = param(req, name);
  return v === undefined ? fallback : Number(v);
}

function channelOr404(req: SimRequest, ctx: SimContext): SimChannel | Reply {
  const ch = ctx.world.channels.get(req.pathParams['channelId'] ?? '');
  return ch ?? error(404, 'Channel not found');
}

function stasisChannel(req: SimRequest, ctx: SimContext, checkState: boolean): SimChannel | Reply {
  const ch = channelOr404(req, ctx);
  if (!isChannel(ch)) return ch;
  if (!ch.app) return error(409, 'Channel not in Stasis application');
  if (checkState && NOT_READY.has(ch.state)) return error(412, 'Channel in invalid state');
  return ch;
}

function isChannel(v: SimChannel | Reply): v is SimChannel {
  return 'id' in v;
}

function originate(req: SimRequest, ctx: SimContext): Reply {
  const endpoint = param(req, 'endpoint') ?? '';
  const m = /^([^/]+)\/(.+)$/.exec(endpoint);
  if (!m) return error(400, 'Endpoint must be specified');
  const [, tech, resource] = m as unknown as [string, string, string];
  const app = param(req, 'app');
  if (!app && !param(req, 'extension')) return error(400, 'Application or extension must be specified');
  if (tech === 'Local' && !/^[^@/]+@[^@/]+(\/[a-z]+)?$/i.test(resource)) ctx.violation(`originate: "${endpoint}" is not Local/exten@context[/options]`);
  const id = req.pathParams['channelId'] ?? param(req, 'channelId') ?? `${Math.floor(ctx.world.now / 1000)}.${randomUUID().slice(0, 6)}`;
  if (ctx.world.channels.has(id)) return error(409, 'Channel with given unique ID already exists');
  if (!app) {
    ctx.violation('originate into the dialplan (extension/context) is not simulated');
    return error(400, 'Application or extension must be specified');
  }
  const timeout = intParam(req, 'timeout', 30);
  const number = resource.split('@')[0] as string;
  const ch = ctx.world.originate({
    id,
    tech,
    resource,
    app,
    appArgs: param(req, 'appArgs') ?? '',
    callerId: param(req, 'callerId') ?? '',
    timeoutSeconds: timeout,
    party: ctx.partyFor(number),
  });
  return ok(ctx.world.channelJson(ch), () => ctx.world.startDialling(ch, timeout));
}

function play(req: SimRequest, ctx: SimContext): Reply {
  const ch = stasisChannel(req, ctx, true);
  if (!isChannel(ch)) return ch;
  const id = req.pathParams['playbackId'] ?? param(req, 'playbackId') ?? randomUUID();
  if (ctx.world.playbacks.has(id)) return error(409, 'A playback with that id already exists');
  const media = (param(req, 'media') ?? '').split(',');
  for (const m of media) {
    if (!/^(sound|recording|number|digits|characters|tone):./.test(m)) ctx.violation(`play: "${m}" is not a media URI Asterisk knows`);
  }
  const pb = ctx.world.queuePlayback(ch, id, media);
  return {
    status: 201,
    body: ctx.world.playbackJson(pb),
    headers: { Location: `/ari/playbacks/${encodeURIComponent(id)}` },
    after: () => ctx.world.pump(ch),
  };
}

function record(req: SimRequest, ctx: SimContext): Reply {
  const ch = stasisChannel(req, ctx, false);
  if (!isChannel(ch)) return ch;
  const name = param(req, 'name') ?? '';
  const format = param(req, 'format') ?? '';
  if (!RECORDING_FORMATS.has(format)) return error(422, 'Recording format not found');
  if (ctx.world.recordings.has(name) || ch.recording) return error(409, 'Recording already in progress');
  const ifExists = param(req, 'ifExists') ?? 'fail';
  if (ifExists === 'fail' && ctx.world.stored.has(name)) return error(409, 'Recording already exists');
  const rec = ctx.world.startRecording(ch, {
    name,
    format,
    maxDurationSeconds: intParam(req, 'maxDurationSeconds', 0),
    maxSilenceSeconds: intParam(req, 'maxSilenceSeconds', 0),
    terminateOn: param(req, 'terminateOn') ?? 'none',
  });
  return {
    status: 201,
    body: ctx.world.recordingJson(rec),
    headers: { Location: `/ari/recordings/live/${encodeURIComponent(name)}` },
    after: () => ctx.world.beginRecording(rec),
  };
}

function bridgeCreate(req: SimRequest, ctx: SimContext): Reply {
  const types = (param(req, 'type') ?? 'mixing').split(',');
  for (const t of types) if (!BRIDGE_TYPES.has(t)) ctx.violation(`bridges.create: unknown bridge type "${t}"`);
  const id = req.pathParams['bridgeId'] ?? param(req, 'bridgeId') ?? randomUUID();
  if (ctx.world.bridges.has(id)) return error(409, 'Bridge with this id already exists');
  const bridge = ctx.world.createBridge(id, types.includes('holding') ? 'holding' : 'mixing', param(req, 'name') ?? '', ctx.app);
  return ok(ctx.world.bridgeJson(bridge), () => ctx.world.announceBridge(bridge));
}

function bridgeChannels(req: SimRequest, ctx: SimContext, adding: boolean): Reply {
  const bridge = ctx.world.bridges.get(req.pathParams['bridgeId'] ?? '');
  if (!bridge) return error(404, 'Bridge not found');
  const ids = (param(req, 'channel') ?? '').split(',');
  const channels: SimChannel[] = [];
  for (const id of ids) {
    const ch = ctx.world.channels.get(id);
    if (!ch) return error(400, 'Channel not found');
    if (!ch.app) return error(422, 'Channel not in Stasis application');
    if (!adding && ch.bridge !== bridge) return error(422, 'Channel not in this bridge');
    channels.push(ch);
  }
  const done = (): Reply =>
    noContent(() => {
      for (const ch of channels) {
        if (adding) ctx.world.enterBridge(bridge, ch);
        else ctx.world.leaveBridge(ch);
      }
    });
  // The move runs on each channel's own Stasis thread, after what is queued there: a
  // playback on either channel holds the answer until it has ended.
  const until = ctx.world.playbacksEnded(channels);
  if (!until) return done();
  return {
    status: 204,
    held: {
      until,
      then: () => {
        if (channels.some((ch) => !ch.alive || !ch.app)) return error(422, 'Channel not in Stasis application');
        if (!ctx.world.bridges.has(bridge.id)) return error(404, 'Bridge not found');
        return done();
      },
    },
  };
}

function withPlayback(req: SimRequest, ctx: SimContext, fn: (id: string) => Reply): Reply {
  const id = req.pathParams['playbackId'] ?? '';
  return ctx.world.playbacks.has(id) ? fn(id) : error(404, 'Playback not found');
}

export const HANDLERS: Record<string, Handler> = {
  'asterisk.ping': (_req, ctx) => ok({ asterisk_id: ctx.asteriskId, ping: 'pong', timestamp: asteriskTime(ctx.world.now) }),
  'asterisk.getInfo': (req, ctx) => {
    const all: Record<string, unknown> = {
      build: { os: 'Linux', kernel: '6.1.0', options: '', machine: 'x86_64', date: '2026-06-01 00:00:00 UTC', user: 'root' },
      system: { version: '22.10.1', entity_id: ctx.asteriskId },
      config: { name: 'support-line', default_language: 'en', setid: { user: 'asterisk', group: 'asterisk' } },
      status: { startup_time: asteriskTime(ctx.startedAt), last_reload_time: asteriskTime(ctx.startedAt) },
    };
    const only = param(req, 'only')?.split(',');
    return ok(only ? Object.fromEntries(Object.entries(all).filter(([k]) => only.includes(k))) : all);
  },

  'sounds.list': (req, ctx) => {
    const lang = param(req, 'lang');
    const sounds = ctx.sounds().filter(() => lang === undefined || lang === 'en');
    return ok(sounds.map((id) => ({ id, formats: [{ language: 'en', format: 'wav' }] })));
  },

  'channels.list': (_req, ctx) => ok([...ctx.world.channels.values()].map((c) => ctx.world.channelJson(c))),
  'channels.get': (req, ctx) => {
    const ch = channelOr404(req, ctx);
    return isChannel(ch) ? ok(ctx.world.channelJson(ch)) : ch;
  },
  'channels.originate': originate,
  'channels.originateWithId': originate,
  'channels.hangup': (req, ctx) => {
    const ch = channelOr404(req, ctx);
    if (!isChannel(ch)) return ch;
    const reason = param(req, 'reason');
    const code = param(req, 'reason_code');
    if (reason !== undefined && code !== undefined) return error(400, 'The reason and reason_code can\'t both be specified');
    const cause = code !== undefined ? Number(code) : reason !== undefined ? (REASON_CAUSE[reason] ?? 16) : 16;
    return noContent(() => ctx.world.hangup(ch, cause, 'ari'));
  },
  'channels.answer': (req, ctx) => {
    const ch = stasisChannel(req, ctx, false);
    if (!isChannel(ch)) return ch;
    if (ch.state === 'Down' || ch.state === 'Rsrved') return error(412, 'Channel in invalid state');
    return noContent(() => ctx.world.answer(ch));
  },
  'channels.ring': (req, ctx) => {
    const ch = stasisChannel(req, ctx, false);
    return isChannel(ch) ? noContent() : ch;
  },
  'channels.ringStop': (req, ctx) => {
    const ch = stasisChannel(req, ctx, false);
    return isChannel(ch) ? noContent() : ch;
  },
  'channels.startMoh': (req, ctx) => {
    const ch = stasisChannel(req, ctx, true);
    if (!isChannel(ch)) return ch;
    return noContent(() => {
      ch.moh = true;
      ch.heard.push({ media: 'moh', at: ctx.world.now, playbackId: '', cut: false });
    });
  },
  'channels.stopMoh': (req, ctx) => {
    const ch = stasisChannel(req, ctx, true);
    if (!isChannel(ch)) return ch;
    return noContent(() => {
      ch.moh = false;
    });
  },
  'channels.continueInDialplan': (req, ctx) => {
    const ch = stasisChannel(req, ctx, true);
    if (!isChannel(ch)) return ch;
    return noContent(() => {
      ctx.world.leaveStasis(ch, {
        context: param(req, 'context') ?? ch.dialplan.context,
        exten: param(req, 'extension') ?? ch.dialplan.exten,
        priority: intParam(req, 'priority', ch.dialplan.priority + 1),
      });
    });
  },
  'channels.play': play,
  'channels.playWithId': play,
  'channels.record': record,
  'channels.getChannelVar': (req, ctx) => {
    const ch = stasisChannel(req, ctx, false);
    if (!isChannel(ch)) return ch;
    const value = ch.vars.get(param(req, 'variable') ?? '');
    return value === undefined ? error(404, 'Provided variable was not found') : ok({ value });
  },
  'channels.setChannelVar': (req, ctx) => {
    const ch = stasisChannel(req, ctx, false);
    if (!isChannel(ch)) return ch;
    const name = param(req, 'variable') ?? '';
    const value = param(req, 'value') ?? '';
    const done = (): Reply => noContent(() => ch.vars.set(name, value));
    // Setting a variable of a channel in Stasis is a command run on the channel's own
    // Stasis thread (stasis_app_send_command, which waits for it), after what is queued
    // there: Asterisk 22 answers only when the channel's playback has ended (seen on a
    // real PBX: the request sent beside a question's play took the client's 5 s timeout).
    const until = ctx.world.playbacksEnded([ch]);
    if (!until) return done();
    return { status: 204, held: { until, then: () => (ch.alive ? done() : error(404, 'Channel not found')) } };
  },

  'bridges.list': (_req, ctx) => ok([...ctx.world.bridges.values()].map((b) => ctx.world.bridgeJson(b))),
  'bridges.create': bridgeCreate,
  'bridges.createWithId': bridgeCreate,
  'bridges.get': (req, ctx) => {
    const bridge = ctx.world.bridges.get(req.pathParams['bridgeId'] ?? '');
    return bridge ? ok(ctx.world.bridgeJson(bridge)) : error(404, 'Bridge not found');
  },
  'bridges.destroy': (req, ctx) => {
    const bridge = ctx.world.bridges.get(req.pathParams['bridgeId'] ?? '');
    return bridge ? noContent(() => ctx.world.destroyBridge(bridge)) : error(404, 'Bridge not found');
  },
  'bridges.addChannel': (req, ctx) => bridgeChannels(req, ctx, true),
  'bridges.removeChannel': (req, ctx) => bridgeChannels(req, ctx, false),

  'playbacks.get': (req, ctx) =>
    withPlayback(req, ctx, (id) => ok(ctx.world.playbackJson(ctx.world.playbacks.get(id) as never))),
  'playbacks.stop': (req, ctx) =>
    withPlayback(req, ctx, (id) => {
      const pb = ctx.world.playbacks.get(id);
      if (pb && ctx.world.stopPlayback(pb) === 'failed') return error(500, 'Could not stop playback');
      return noContent();
    }),

  'recordings.getLive': (req, ctx) => {
    const rec = ctx.world.recordings.get(req.pathParams['recordingName'] ?? '');
    return rec ? ok(ctx.world.recordingJson(rec)) : error(404, 'Recording not found');
  },
  'recordings.stop': (req, ctx) => {
    const rec = ctx.world.recordings.get(req.pathParams['recordingName'] ?? '');
    return rec ? noContent(() => ctx.world.finishRecording(rec, 'done')) : error(404, 'Recording not found');
  },
  'recordings.cancel': (req, ctx) => {
    const rec = ctx.world.recordings.get(req.pathParams['recordingName'] ?? '');
    return rec ? noContent(() => ctx.world.finishRecording(rec, 'canceled')) : error(404, 'Recording not found');
  },
  'recordings.listStored': (_req, ctx) => ok([...ctx.world.stored.values()].map((r) => ({ name: r.name, format: r.format }))),
  'recordings.getStored': (req, ctx) => {
    const rec = ctx.world.stored.get(req.pathParams['recordingName'] ?? '');
    return rec ? ok({ name: rec.name, format: rec.format }) : error(404, 'Recording not found');
  },
  'recordings.deleteStored': (req, ctx) => {
    const name = req.pathParams['recordingName'] ?? '';
    if (!ctx.world.stored.has(name)) return error(404, 'Recording not found');
    ctx.world.stored.delete(name);
    return noContent();
  },
  'recordings.getStoredFile': (req, ctx) => {
    const rec = ctx.world.stored.get(req.pathParams['recordingName'] ?? '');
    if (!rec) return error(404, 'Recording not found');
    return { status: 200, body: Buffer.from('RIFF\u0024\u0000\u0000\u0000WAVEfmt '), headers: { 'Content-Type': 'audio/wav' } };
  },
};
