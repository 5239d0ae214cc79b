#!/usr/bin/env node
// The support-line command. TypeScript runs through tsx, as `npm start` does.
import { register } from 'tsx/esm/api';

register();
const { loadEnvFile } = await import('../src/env-file.ts');
loadEnvFile();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
