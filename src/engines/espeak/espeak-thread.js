// eSpeak-NG (GPL-3.0, via @echogarden/espeak-ng-emscripten) running in a worker thread.
// One instance per thread: the engine is single-threaded JavaScript and keeps state between calls.
// Plain JavaScript so that it loads in any worker thread without a TypeScript loader.

import { parentPort } from 'node:worker_threads';
import initEspeak from '@echogarden/espeak-ng-emscripten';

const espeakModule = await initEspeak();
const espeak = new espeakModule.eSpeakNGWorker();
let currentVoice = '';

/** Every name a voice answers to: its identifier ("gmw/en-US") and its languages ("en-us"). */
const voices = espeak.list_voices().flatMap((voice) => [
  voice.identifier.toLowerCase(),
  ...voice.languages.map((language) => language.name.toLowerCase()),
]);

parentPort.postMessage({ type: 'ready', sampleRate: espeak.samplerate, voices });

parentPort.on('message', ({ id, text, voice, wordsPerMinute, abortFlag }) => {
  try {
    if (voice !== currentVoice) {
      espeak.set_voice(voice);
      currentVoice = voice;
    }
    espeak.set_rate(wordsPerMinute);
    const pieces = [];
    let length = 0;
    // A truthy return value stops synthesis: the main thread raises the flag when cancelled.
    espeak.synthesize(text, (samples) => {
      pieces.push(samples);
      length += samples.length;
      return Atomics.load(abortFlag, 0) !== 0;
    });
    const samples = new Int16Array(length);
    let offset = 0;
    for (const piece of pieces) {
      samples.set(piece, offset);
      offset += piece.length;
    }
    parentPort.postMessage({ type: 'done', id, samples }, [samples.buffer]);
  } catch (error) {
    parentPort.postMessage({ type: 'error', id, message: String(error?.message ?? error) });
  }
});
