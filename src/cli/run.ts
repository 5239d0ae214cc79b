// The support-line command's entry point: `bin/support-line.mjs` (through tsx) and
// `node dist/cli/run.js` in the production image both start here.
import { loadEnvFile } from '../env-file.ts';
import { main } from './main.ts';

loadEnvFile();
process.exitCode = await main(process.argv.slice(2));
