// Voicemail playback: the console never links to the carrier. The browser asks the
// console, which fetches the file from where the carrier keeps it (Asterisk's
// stored recordings over ARI, or Twilio's RecordingUrl with the account's
// credentials) and streams it through, Range requests included so seeking works.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Request, Response } from 'express';
import { ariBaseUrl } from '../../carriers/ari/client.ts';
import type { Config } from '../../config.ts';
import type { CallRecord } from '../../store/calls.ts';
import { HttpError } from '../errors.ts';

export type RecordingSource =
  | { kind: 'none'; note: null }
  | { kind: 'unavailable'; note: string }
  | { kind: 'fetch'; url: string; authorization: string; note: null };

const FETCH_TIMEOUT_MS = 10_000;

/** Where a call's voicemail can be fetched from, or why it cannot. */
export function recordingSource(config: Config, call: Pick<CallRecord, 'carrier' | 'recordingName'>): RecordingSource {
  const name = call.recordingName;
  if (!name) return { kind: 'none', note: null };
  switch (call.carrier) {
    case 'asterisk':
      if (!config.ARI_URL || !config.ARI_USERNAME || !config.ARI_PASSWORD) {
        return { kind: 'unavailable', note: 'Asterisk is not configured on this server (ARI_URL), so the recording cannot be fetched.' };
      }
      return {
        kind: 'fetch',
        url: `${ariBaseUrl(config.ARI_URL)}/recordings/stored/${encodeURIComponent(name)}/file`,
        authorization: basic(config.ARI_USERNAME, config.ARI_PASSWORD),
        note: null,
      };
    case 'twilio': {
      if (!config.TWILIO_ACCOUNT_SID || !config.TWILIO_AUTH_TOKEN) {
        return { kind: 'unavailable', note: 'Twilio is not configured on this server (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN), so the recording cannot be fetched.' };
      }
      // The name is the RecordingUrl Twilio sent; only ever send our credentials to Twilio.
      if (!isTwilioRecordingUrl(name)) return { kind: 'unavailable', note: 'The recording’s address is not a Twilio recording URL.' };
      return { kind: 'fetch', url: name, authorization: basic(config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN), note: null };
    }
    case 'cli':
      return { kind: 'unavailable', note: 'A simulated call: there is no audio to play.' };
  }
}

export function isTwilioRecordingUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname === 'api.twilio.com' && /\/Recordings\/RE[0-9a-fA-F]{32}(\.(wav|mp3))?$/.test(url.pathname);
  } catch {
    return false;
  }
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Streams the recording to the browser; 404 when there is none, 502 when the carrier fails. */
export async function proxyRecording(source: RecordingSource, req: Request, res: Response): Promise<void> {
  if (source.kind === 'none') throw new HttpError(404, 'not_found', 'this call has no recording');
  if (source.kind === 'unavailable') throw new HttpError(404, 'not_found', source.note);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
  req.on('close', () => controller.abort());
  let upstream: globalThis.Response;
  try {
    upstream = await fetch(source.url, {
      headers: { authorization: source.authorization, ...(req.get('range') ? { range: req.get('range')! } : {}) },
      redirect: 'follow',
      signal: controller.signal,
    });
  } catch {
    res.status(502).json({ error: { code: 'carrier_unreachable', message: 'the recording could not be fetched from the carrier' } });
    return;
  } finally {
    clearTimeout(timer);
  }
  if (upstream.status === 404) throw new HttpError(404, 'not_found', 'the carrier no longer has this recording');
  if (!upstream.ok || !upstream.body) {
    res.status(502).json({ error: { code: 'carrier_error', message: `the carrier answered ${upstream.status}` } });
    return;
  }
  const type = upstream.headers.get('content-type') ?? '';
  res.status(upstream.status === 206 ? 206 : 200);
  res.setHeader('Content-Type', type.startsWith('audio/') ? type : 'audio/wav');
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Accept-Ranges', 'bytes');
  for (const h of ['content-length', 'content-range']) {
    const v = upstream.headers.get(h);
    if (v) res.setHeader(h, v);
  }
  Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>).on('error', () => res.destroy()).pipe(res);
}
