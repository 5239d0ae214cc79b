// What the Asterisk carrier needs to know, taken from the one parsed config.
import type { Config } from '../../config.ts';

export interface AriSettings {
  url: string;
  username: string;
  password: string;
  /** The Stasis application the dialplan hands calls to. */
  app: string;
  /** Caller ID presented on engineer and desk legs (the support line's number). */
  callerId: string;
  /** Used when an engineer has no dial target of their own; `{number}` is replaced. */
  engineerDialTemplate: string;
  /** The desk is reached as `Local/<extension>@<context>`, which rings the desk phones. */
  deskContext: string;
  /** An empty extension means none: the flow's fallback queue is rung instead (how long: the flow's command says). */
  deskExtensions: { support: string; billing: string };
  /** Prompts are sound files under this folder of Asterisk's sounds directory. */
  soundsFolder: string;
}

/** Null when Asterisk is not configured (the line then runs on Twilio alone). */
export function ariSettings(config: Config): AriSettings | null {
  if (!config.ARI_URL || !config.ARI_USERNAME || !config.ARI_PASSWORD) return null;
  return {
    url: config.ARI_URL,
    username: config.ARI_USERNAME,
    password: config.ARI_PASSWORD,
    app: config.ARI_APP,
    callerId: config.LINE_CALLER_ID,
    engineerDialTemplate: config.ARI_ENGINEER_DIAL_TEMPLATE,
    deskContext: config.ARI_DESK_CONTEXT,
    deskExtensions: { support: config.ARI_DESK_EXTENSION, billing: config.ARI_BILLING_EXTENSION },
    soundsFolder: 'support-line',
  };
}
