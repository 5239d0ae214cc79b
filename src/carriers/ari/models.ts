// The ARI models this carrier reads (a subset of the fields; see ari-subset.json).

export interface CallerId {
  name: string;
  number: string;
}

export interface Channel {
  id: string;
  name: string;
  state: string;
  caller: CallerId;
  connected: CallerId;
  dialplan: { context: string; exten: string; priority: number; app_name?: string; app_data?: string };
  creationtime: string;
  language: string;
}

export interface Playback {
  id: string;
  media_uri: string;
  target_uri: string;
  state: string;
  next_media_uri?: string;
}

export interface LiveRecording {
  name: string;
  format: string;
  target_uri: string;
  state: string;
  duration?: number;
  talking_duration?: number;
  silence_duration?: number;
  cause?: string;
}

export interface Bridge {
  id: string;
  bridge_type: string;
  channels: string[];
}

export interface AsteriskInfo {
  system?: { version?: string; entity_id?: string };
}

/** A sound file Asterisk can play, with the languages and formats it has it in. */
export interface Sound {
  id: string;
  text?: string;
  formats: Array<{ language: string; format: string }>;
}
