// npm run prompts: renders every prompt of the catalogue to an 8 kHz mono WAV for
// Asterisk (sound:support-line/<id>) and for Twilio's <Play>, with Debian's espeak-ng
// (British English voice) and sox. Re-renders only prompts whose text changed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROMPTS, type PromptId } from '../src/domain/prompts.ts';

const OUT = fileURLToPath(new URL('./rendered/', import.meta.url));

function have(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function renderPrompts(outDir = OUT): { rendered: PromptId[]; unchanged: PromptId[] } {
  for (const tool of ['espeak-ng', 'sox']) {
    if (!have(tool)) throw new Error(`${tool} is not installed: apt-get install espeak-ng sox`);
  }
  mkdirSync(outDir, { recursive: true });
  const manifestPath = join(outDir, 'manifest.json');
  const previous: Record<string, string> = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {};
  const manifest: Record<string, string> = {};
  const rendered: PromptId[] = [];
  const unchanged: PromptId[] = [];
  for (const [id, text] of Object.entries(PROMPTS) as [PromptId, string][]) {
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
    manifest[id] = hash;
    const wav = join(outDir, `${id}.wav`);
    if (previous[id] === hash && existsSync(wav)) {
      unchanged.push(id);
      continue;
    }
    const raw = join(outDir, `${id}.raw.wav`);
    execFileSync('espeak-ng', ['-v', 'en-gb', '-s', '150', '-w', raw, text]);
    // Asterisk's native telephony format: 8 kHz, mono, 16-bit signed PCM.
    execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', wav]);
    rmSync(raw);
    rendered.push(id);
  }
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { rendered, unchanged };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = renderPrompts();
  process.stdout.write(`prompts: ${r.rendered.length} rendered, ${r.unchanged.length} unchanged, in ${OUT}\n`);
}
