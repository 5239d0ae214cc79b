// An announcement's words as a sound file for Asterisk, rendered once when it is posted
// (the same espeak-ng + sox recipe as prompts/render.ts), so Asterisk plays it without a
// restart: it scans its sounds folder on every playback. The folder is ANNOUNCEMENT_SOUNDS_DIR,
// which must be Asterisk's sounds/en/<ANNOUNCEMENT_SOUNDS_FOLDER> (the same disk, or a
// volume shared by every instance and Asterisk). Where it cannot be rendered, Asterisk
// callers hear the catalogue's generic announcement-fallback instead; Twilio says the text.
import { execFile } from 'node:child_process';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SoundTarget {
  dir: string;
  folder: string;
}

/** Renders the text to `<dir>/<id>.wav` and returns the sound's name for Asterisk (`<folder>/<id>`). */
export async function renderAnnouncement(target: SoundTarget, id: string, text: string): Promise<string> {
  await mkdir(target.dir, { recursive: true });
  const raw = join(target.dir, `.${id}.raw.wav`);
  const partial = join(target.dir, `.${id}.wav`);
  try {
    await run('espeak-ng', ['-v', 'en-gb', '-s', '150', '-w', raw, '--', text], { timeout: 30_000 });
    // Asterisk's native telephony format: 8 kHz, mono, 16-bit signed PCM.
    await run('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', partial], { timeout: 30_000 });
    // Whole or absent: Asterisk never plays a half-written file.
    await rename(partial, join(target.dir, `${id}.wav`));
  } finally {
    await rm(raw, { force: true });
    await rm(partial, { force: true });
  }
  return `${target.folder}/${id}`;
}

/** The configured sounds folder, or null when announcements are not rendered. */
export function soundTargetOf(config: { ANNOUNCEMENT_SOUNDS_DIR?: string | undefined; ANNOUNCEMENT_SOUNDS_FOLDER: string }): SoundTarget | null {
  return config.ANNOUNCEMENT_SOUNDS_DIR ? { dir: config.ANNOUNCEMENT_SOUNDS_DIR, folder: config.ANNOUNCEMENT_SOUNDS_FOLDER } : null;
}
