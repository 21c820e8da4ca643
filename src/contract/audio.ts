// Sound as every layer passes it around: 16-bit PCM, and the words an engine timed in it.

/** 16-bit PCM; samples are interleaved when there is more than one channel. */
export interface PcmAudio {
  sampleRate: number;
  channels: number;
  samples: Int16Array;
}

/** A word as the engine spoke it, in samples of the audio it returned. */
export interface WordTiming {
  text: string;
  /** Offset of the word in the chunk's text (UTF-16 units). */
  index: number;
  start: number;
  end: number;
}
