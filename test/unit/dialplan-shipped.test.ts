// The dialplan as shipped must hold every context and extension the line dials into
// with its default settings: a stray edit once dropped [desk] and [engineers], and on
// a real Asterisk 22 the desk never rang and every engineer leg failed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const shipped = readFileSync(new URL('../../dialplan/extensions.conf', import.meta.url), 'utf8');

/** Context name → the extensions (or patterns) it defines, read as Asterisk reads the file. */
function contexts(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      current = [];
      found.set(header[1]!, current);
      continue;
    }
    const exten = /^exten\s*=>\s*([^,]+),/.exec(line);
    if (exten && current) current.push(exten[1]!.trim());
  }
  return found;
}

describe('dialplan/extensions.conf as shipped', () => {
  const ctx = contexts(shipped);

  it('hands calls to the support number to the application', () => {
    expect(ctx.get('support')?.length).toBeGreaterThan(0);
    expect(shipped).toMatch(/Stasis\(support-line/);
  });

  it('rings the desks the line originates by default (Local/support@desk, Local/billing@desk)', () => {
    expect(ctx.get('desk')).toEqual(expect.arrayContaining(['support', 'billing']));
  });

  it('dials engineers the line originates by default (Local/{number}@engineers) in E.164 and national form', () => {
    expect(ctx.get('engineers')).toEqual(expect.arrayContaining(['_+X.', '_0X.']));
  });

  it('defines each context once', () => {
    const headers = [...shipped.matchAll(/^\[([^\]]+)\]/gm)].map((m) => m[1]);
    expect(new Set(headers).size).toBe(headers.length);
  });
});
