// `client voices`: each engine's voices as a table (name, language, gender), or a line saying the
// engine takes any name. Read from the catalog on this machine: no Temporal server is needed.

import type { EngineName } from '../contract/input-schema.ts';
import { engineVoices, type VoiceInfo } from '../engines/voices/index.ts';

export interface EngineVoices {
  engine: EngineName;
  /** Undefined: the engine takes any name. */
  voices?: VoiceInfo[];
}

export async function listVoices(engines: readonly EngineName[], env: NodeJS.ProcessEnv = process.env): Promise<EngineVoices[]> {
  return Promise.all(
    engines.map(async (engine) => {
      const voices = await engineVoices(engine, env);
      return voices ? { engine, voices } : { engine };
    }),
  );
}

/** A heading per engine, then one voice a line: NAME, LANGUAGE, GENDER. */
export function voiceTable(lists: EngineVoices[]): string {
  return lists
    .map(({ engine, voices }) => {
      if (!voices) return `${engine}: takes any voice name (there is no list to choose from)`;
      // A column no voice fills (eSpeak knows no genders) is left out.
      const columns = (['name', 'language', 'gender'] as const).filter((key) => voices.some((v) => v[key] !== undefined));
      const rows = voices.map((v) => columns.map((key) => v[key] ?? ''));
      const header = columns.map((key) => key.toUpperCase());
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const lines = [header, ...rows].map((row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      );
      return [`${engine}: ${voices.length} voices`, ...lines.map((line) => `  ${line}`)].join('\n');
    })
    .join('\n\n');
}
