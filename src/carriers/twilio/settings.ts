// What the Twilio carrier needs to know, taken from the one parsed config.
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config.ts';

/** Where `npm run prompts` writes the 8 kHz WAVs (Twilio plays WAV). */
export const RENDERED_PROMPTS_DIR = fileURLToPath(new URL('../../../prompts/rendered/', import.meta.url));

export type PromptMode = 'say' | 'play';

export interface TwilioSettings {
  /** Where Twilio reaches this app (scheme, host, port and any path prefix a proxy strips), no trailing slash. */
  publicBaseUrl: string;
  authToken: string | null;
  /** Off only by an explicit development switch; start-up and every request then warn. */
  validateSignatures: boolean;
  /** `sip:…` URI of the Asterisk box; null → every call runs the IVR here. */
  asteriskSipUri: string | null;
  deskNumber: string | null;
  /** Null → billing calls ring the desk number (the flow's fallback queue for billing). */
  billingNumber: string | null;
  /** Caller ID on engineer and desk legs; null → the number the caller dialled (a Twilio number). */
  callerId: string | null;
  voice: string;
  prompts: PromptMode;
  /** Where `npm run prompts` leaves files Twilio can play (used when prompts = play). */
  promptsDir: string;
  promptsExtension: string;
  /** How long Asterisk has to answer the SIP hand-off before the IVR runs here. */
  sipTimeoutSeconds: number;
}

export const DEFAULT_SIP_TIMEOUT_SECONDS = 10;

export function twilioSettings(config: Config): TwilioSettings {
  return {
    publicBaseUrl: config.publicBaseUrl.replace(/\/+$/, ''),
    authToken: config.TWILIO_AUTH_TOKEN ?? null,
    validateSignatures: config.TWILIO_VALIDATE_SIGNATURES,
    asteriskSipUri: config.ASTERISK_SIP_URI ?? null,
    deskNumber: config.DESK_NUMBER ?? null,
    billingNumber: config.BILLING_NUMBER ?? null,
    callerId: config.TWILIO_CALLER_ID ?? null,
    voice: config.TWILIO_VOICE,
    prompts: config.TWILIO_PROMPTS,
    promptsDir: RENDERED_PROMPTS_DIR,
    promptsExtension: 'wav',
    sipTimeoutSeconds: DEFAULT_SIP_TIMEOUT_SECONDS,
  };
}

/**
 * Problems that must stop start-up, each naming its variable. The config applies
 * the production rules; this adds what only matters once Twilio routes are served.
 */
export function twilioConfigProblems(
  c: Pick<Config, 'NODE_ENV' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_VALIDATE_SIGNATURES' | 'PUBLIC_BASE_URL'>,
): string[] {
  const problems: string[] = [];
  if (c.NODE_ENV === 'production') {
    if (!c.TWILIO_AUTH_TOKEN) problems.push('TWILIO_AUTH_TOKEN: required in production (every Twilio webhook is signature-checked with it)');
    if (!c.TWILIO_VALIDATE_SIGNATURES) problems.push('TWILIO_VALIDATE_SIGNATURES: cannot be false in production');
    if (!c.PUBLIC_BASE_URL) problems.push('PUBLIC_BASE_URL: required in production (Twilio signs the URL it requested)');
  }
  return problems;
}

/** Throws one error listing every problem; the lead's start-up calls it before serving /twilio. */
export function assertTwilioConfig(c: Parameters<typeof twilioConfigProblems>[0]): void {
  const problems = twilioConfigProblems(c);
  if (problems.length > 0) throw new Error(`Invalid Twilio configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
