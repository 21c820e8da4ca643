// eSpeak-NG (GPL-3.0, via @echogarden/espeak-ng-emscripten) running in a worker thread.
// One instance per thread: the engine is single-threaded JavaScript and keeps state between calls.
// Plain JavaScript so that it loads in any worker thread without a TypeScript loader.

import { parentPort } from 'node:worker_threads';
import initEspeak from '@echogarden/espeak-ng-emscripten';

const espeakModule = await initEspeak();
const espeak = new espeakModule.eSpeakNGWorker();
let currentVoice = '';

/** Every name a voice answers to: its identifier ("gmw/en-US") and its languages ("en-us"). */
const voices = espeak
  .list_voices()
  .flatMap((voice) => [voice.identifier.toLowerCase(), ...voice.languages.map((language) => language.name.toLowerCase())]);

parentPort.postMessage({ type: 'ready', sampleRate: espeak.samplerate, voices });

parentPort.on('message', ({ id, text, voice, wordsPerMinute, abortFlag }) => {
  try {
    if (voice !== currentVoice) {
      espeak.set_voice(voice);
      currentVoice = voice;
    }
    espeak.set_rate(wordsPerMinute);
    const pieces = [];
    const events = [];
    let length = 0;
    // A truthy return value stops synthesis: the main thread raises the flag when cancelled.
    espeak.synthesize(text, (samples, batch) => {
      pieces.push(samples);
      length += samples.length;
      if (batch) events.push(...batch);
      return Atomics.load(abortFlag, 0) !== 0;
    });
    const samples = new Int16Array(length);
    let offset = 0;
    for (const piece of pieces) {
      samples.set(piece, offset);
      offset += piece.length;
    }
    parentPort.postMessage({ type: 'done', id, samples, words: wordTimings(text, events, length) }, [samples.buffer]);
  } catch (error) {
    parentPort.postMessage({ type: 'error', id, message: String(error?.message ?? error) });
  }
});

/**
 * Each word's place in the text and in the audio, from eSpeak's events: a "word" event gives its
 * start (1-based position and length in code points; audio position in ms), and it ends at the next
 * pause (a phoneme event with no phoneme), word or clause end. eSpeak reads "42" as two words, with
 * two events inside one written word: they are one word here.
 */
function wordTimings(text, events, totalSamples) {
  const unitOffset = []; // code point index -> UTF-16 offset
  for (let i = 0; i < text.length; i++) {
    unitOffset.push(i);
    if (text.codePointAt(i) > 0xffff) i++;
  }
  unitOffset.push(text.length);
  const unit = (codePoint) => unitOffset[Math.min(codePoint, unitOffset.length - 1)];
  const sampleAt = (ms) => Math.min(totalSamples, Math.round((ms * espeak.samplerate) / 1000));
  const words = [];
  let writtenEnd = 0; // code points
  for (const [i, event] of events.entries()) {
    if (event.type !== 'word' || event.text_position < 1) continue;
    const next = events.slice(i + 1).find((e) => e.type === 'word' || e.type === 'end' || (e.type === 'phoneme' && e.id === ''));
    const end = next ? sampleAt(next.audio_position) : totalSamples;
    const first = event.text_position - 1;
    if (first < writtenEnd && words.length > 0) {
      words.at(-1).end = end; // another spoken word of the same written one
      continue;
    }
    writtenEnd = first + event.word_length;
    words.push({ text: text.slice(unit(first), unit(writtenEnd)), index: unit(first), start: sampleAt(event.audio_position), end });
  }
  return words;
}
