// What the caller hears, as Asterisk media URIs. Prompts are sound files rendered
// into Asterisk's sounds folder; digits and numbers are spoken by Asterisk itself.
import type { Segment, Utterance } from '../../domain/prompts.ts';

export function mediaFor(utterance: Utterance, soundsFolder: string): string[] {
  return utterance.flatMap((segment) => segmentMedia(segment, soundsFolder));
}

function segmentMedia(segment: Segment, folder: string): string[] {
  switch (segment.type) {
    case 'prompt':
      return [`sound:${folder}/${segment.id}`];
    case 'digits': {
      // Asterisk says 0-9, * and #; anything else (and a comma above all, which
      // would split the media list) is dropped rather than sent.
      const said = segment.value.replace(/[^0-9*#]/g, '');
      return said.length > 0 ? [`digits:${said}`] : [];
    }
    case 'number':
      return Number.isInteger(segment.value) && segment.value >= 0 ? [`number:${segment.value}`] : [];
    case 'text':
      // Free text needs text-to-speech, which Asterisk does not have: say the fallback.
      return segment.fallback.flatMap((s) => segmentMedia(s, folder));
  }
}

/** The prompt id behind a `sound:` URI of ours, for timelines. */
export function promptOf(mediaUri: string, soundsFolder: string): string | null {
  const prefix = `sound:${soundsFolder}/`;
  return mediaUri.startsWith(prefix) ? mediaUri.slice(prefix.length) : null;
}
