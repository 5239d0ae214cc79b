// `.env` in the working folder, loaded for `npm start` and the command line. The
// environment wins over the file; tests (NODE_ENV=test) never read it, so a
// developer's own .env cannot leak into them.
import { existsSync } from 'node:fs';

export function loadEnvFile(path = '.env'): 'loaded' | 'absent' | 'skipped' {
  if (process.env['NODE_ENV'] === 'test') return 'skipped';
  if (!existsSync(path)) return 'absent';
  // Node 20.12 and later; on 20.10-20.11 export the variables yourself (README).
  if (typeof process.loadEnvFile !== 'function') return 'skipped';
  process.loadEnvFile(path);
  return 'loaded';
}
