// The words of a call as one comparable list on both carriers: catalogue prompt ids
// and Asterisk's core number sounds (`digits/20`, `digits/3`). Asterisk plays exactly
// these; Twilio's spoken text is read back into them, so any sentence one carrier
// says and the other does not shows up as a difference.
import { numberSounds } from '../../../src/carriers/ari/media.ts';
import { PROMPTS } from '../../../src/domain/prompts.ts';

/** Not words: hold music and the recording's tone. */
const NOT_WORDS = new Set(['moh', 'beep']);

/** What an Asterisk caller heard (prompt ids, `sound:` URIs, `moh`) as words. */
export function asteriskWords(transcript: readonly string[]): string[] {
  const words = transcript.map((t) => t.replace(/ \(cut\)$/, '').replace(/^sound:/, '')).filter((t) => !NOT_WORDS.has(t));
  // The hold prompt repeats for as long as the engineer's phone rings (Twilio says it once, before <Dial>).
  return words.filter((w, i) => !(w === 'hold' && words[i - 1] === 'hold'));
}

const ID_BY_TEXT = new Map<string, string>();
for (const [id, text] of Object.entries(PROMPTS)) if (!ID_BY_TEXT.has(text)) ID_BY_TEXT.set(text, id);
/** Longest first, so "minutes past" is never read as "minute" + something. */
const TEXTS = [...ID_BY_TEXT.keys()].sort((a, b) => b.length - a.length);

/** What a Twilio caller heard (the text of each <Say>) as words; fails on words no prompt says. */
export function twilioWords(heard: readonly string[]): string[] {
  const out: string[] = [];
  for (const said of heard) {
    let i = 0;
    while (i < said.length) {
      const c = said[i] ?? '';
      if (/\s/.test(c)) {
        i += 1;
        continue;
      }
      const text = TEXTS.find((t) => said.startsWith(t, i) && /^$|^[\s.]/.test(said.slice(i + t.length, i + t.length + 1)));
      if (text) {
        out.push(ID_BY_TEXT.get(text) ?? text);
        i += text.length;
        continue;
      }
      const number = /^\d+/.exec(said.slice(i))?.[0];
      if (number) {
        out.push(...numberSounds(Number(number)));
        i += number.length;
        continue;
      }
      // The full stop utteranceText puts between a fragment and the next sentence.
      if (c === '.') {
        i += 1;
        continue;
      }
      throw new Error(`the Twilio caller heard words no prompt says: "${said.slice(i, i + 60)}" in "${said}"`);
    }
  }
  return out;
}

/** The ticket reference (different on each call) read out after "Your ticket reference is" or "Ticket", as <ref>. */
export function withoutReference(words: readonly string[], reference: string | null): string[] {
  if (!reference) return [...words];
  const digits = [...reference].map((d) => `digits/${d}`);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const w = words[i] ?? '';
    out.push(w);
    if ((w === 'ticket-reference' || w === 'ticket') && digits.every((d, k) => words[i + 1 + k] === d)) {
      out.push('<ref>');
      i += digits.length;
    }
  }
  return out;
}
