// Voices: each engine's list, and a short sample of one voice (made once by the workers, then kept).

import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { clientDefaults } from '../../config/settings.ts';
import { ENGINES, type EngineName } from '../../document/input.ts';
import { checkVoice, engineVoices, type VoiceInfo } from '../../engines/voices/index.ts';
import { FORMAT_FACTS } from '../../formats/index.ts';
import { PREVIEW_TEXT, type Previews } from '../previews.ts';
import { HttpProblem } from '../problem.ts';
import { problems, TokenQuery, VoiceList, VoiceQuery } from '../schemas.ts';
import { audioResponses, sendAudioFile } from './audio.ts';

/** A preview never changes for its URL (only the sample's bytes, were it made again): a day, then the ETag. */
const PREVIEW_CACHE_CONTROL = 'private, max-age=86400';

export function voiceRoutes(app: FastifyInstance, previews: Previews): void {
  app.get(
    '/voices',
    {
      schema: {
        summary: "Each engine's voices",
        description:
          'Name, engine, language (BCP 47) and gender where known, for one engine (`?engine=`) or all of them. ' +
          'An engine that takes any name (the simulated engine; a Replicate model that is not Kokoro) is listed in `anyName`.',
        querystring: VoiceQuery,
        response: { 200: VoiceList, ...problems(400, 401) },
      },
    },
    async (request) => {
      const { engine } = request.query as { engine?: string };
      const engines = engine ? [engineNamed(engine)] : [...ENGINES];
      const voices: VoiceInfo[] = [];
      const anyName: EngineName[] = [];
      for (const name of engines) {
        const known = await engineVoices(name);
        if (known) voices.push(...known);
        else anyName.push(name);
      }
      return { voices, anyName, defaultEngine: clientDefaults(process.env).engine };
    },
  );

  app.get(
    '/voices/:name/preview',
    {
      schema: {
        summary: 'A short sample of a voice',
        description:
          `"${PREVIEW_TEXT}" in this voice, as MP3. The first request has the workers make it (an audioDocument workflow ` +
          'whose id derives from the engine and the voice, so requests at the same time share it) and waits for it; ' +
          'later ones get the file kept in the output directory (`previews/`). The name may be a Kokoro blend, URL-encoded ' +
          '(`af_bella(2)+af_sky(1)`). `400` for a voice the engine does not have, `503` with `Retry-After` when it takes longer ' +
          'than a minute (ask again: the same run goes on), `502` when the engine failed. `ETag`, `Range` as for a document.',
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 500, description: 'The voice' }) }),
        querystring: Type.Object({
          ...TokenQuery.properties,
          engine: Type.Optional(
            Type.String({ description: `${ENGINES.join(', ')}; default: the engine a document in this voice would be spoken by` }),
          ),
        }),
        response: { ...audioResponses([FORMAT_FACTS.mp3.mediaType]), ...problems(400, 401, 502, 503) },
      },
    },
    async (request, reply) => {
      const { name } = request.params as { name: string };
      const { engine: asked } = request.query as { engine?: string };
      // Without one, the engine the server's documents would use for this voice ("en-gb" is eSpeak's).
      const engine = asked ? engineNamed(asked) : clientDefaults(process.env, name).engine;
      const checked = await checkVoice(engine, name);
      if ('problem' in checked) throw new HttpProblem(400, `Invalid voice: ${checked.problem}`, 'name');
      const file = await previews.file(engine, checked.voice);
      return sendAudioFile(request, reply, { ...file, cacheControl: PREVIEW_CACHE_CONTROL });
    },
  );
}

function engineNamed(engine: string): EngineName {
  if ((ENGINES as readonly string[]).includes(engine)) return engine as EngineName;
  throw new HttpProblem(400, `unknown engine "${engine}" (engines: ${ENGINES.join(', ')})`, 'engine');
}
