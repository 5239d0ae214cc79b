// Every prompt the flow can say renders to an 8 kHz mono WAV that Asterisk can play.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderPrompts } from '../../prompts/render.ts';
import { PROMPTS } from '../../src/domain/prompts.ts';

const dir = mkdtempSync(join(tmpdir(), 'prompts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run prompts', () => {
  it('renders the whole catalogue at 8 kHz mono, and only what changed the second time', () => {
    const first = renderPrompts(dir);
    expect(first.rendered.length).toBe(Object.keys(PROMPTS).length);
    const info = execFileSync('soxi', [join(dir, 'greeting.wav')]).toString();
    expect(info).toMatch(/Sample Rate\s*:\s*8000/);
    expect(info).toMatch(/Channels\s*:\s*1/);
    expect(readFileSync(join(dir, 'main-menu.wav')).length).toBeGreaterThan(8000);
    expect(renderPrompts(dir).rendered).toEqual([]);
  });
});
