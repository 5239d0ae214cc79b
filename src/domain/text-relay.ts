// Relay UK: a deaf or speech-impaired caller's call reaches us through a relay assistant,
// and the number shows with the relay prefix (18001 text to voice, 18002 voice to text).
// A relay call cannot answer keypad questions in time, so it skips them.

const RELAY_PREFIX = /^1800[12](\d{10,11})$/;

/** The caller's own number behind a text relay prefix, or null when the call is not relayed. */
export function textRelayCaller(from: string): string | null {
  const match = RELAY_PREFIX.exec(from.replace(/[\s-]/g, ''));
  return match?.[1] ?? null;
}
