// The pronunciation dictionary: which entries a chunk has, where they are, how each engine is given
// them, and how the words an engine times come back to the text as written.

import { afterAll, describe, expect, it } from 'vitest';
import { resolveDocumentInput } from '../../src/document/input.ts';
import { EspeakEngine } from '../../src/engines/espeak/espeak-engine.ts';
import { ipaToEspeak } from '../../src/engines/espeak/ipa-to-espeak.ts';
import { textToPhonemes } from '../../src/engines/kokoro/phonemes.ts';
import { type Lexicon, lexiconIn, pronouncedSpans } from '../../src/text/lexicon.ts';
import { respell } from '../../src/text/respell.ts';

const LEXICON: Lexicon = {
  circumvention: 'sir come VEN shun',
  Nguyen: '/wɪn/',
  'read the': { say: 'red the' },
  lead: 'leed',
  'lead pipe': 'led pipe',
  US: { say: 'you ess', matchCase: true },
  "o'clock": 'oh clock',
};

describe('which entries a chunk has', () => {
  it('whole words only, any case unless the entry says otherwise, phrases across line breaks, either apostrophe', () => {
    expect(lexiconIn('Circumvention is hard.', LEXICON)).toEqual({ circumvention: 'sir come VEN shun' });
    expect(lexiconIn('Circumventions are plural; circumventionist is not a word.', LEXICON)).toBeUndefined();
    expect(lexiconIn('She had read\nthe letter.', LEXICON)).toEqual({ 'read the': { say: 'red the' } });
    expect(lexiconIn('Tell us.', LEXICON)).toBeUndefined(); // "US" matches its case only
    expect(lexiconIn('The US mint.', LEXICON)).toEqual({ US: { say: 'you ess', matchCase: true } });
    expect(lexiconIn('At nine o’clock.', LEXICON)).toEqual({ "o'clock": 'oh clock' });
    expect(lexiconIn('Nothing here.', LEXICON)).toBeUndefined();
    expect(lexiconIn('Nothing here.', undefined)).toBeUndefined();
  });

  it('finds every occurrence in order; where entries overlap, the longer phrase wins', () => {
    const text = 'A lead pipe, a lead dog, and Nguyen.';
    expect(pronouncedSpans(text, LEXICON)).toEqual([
      { index: 2, length: 9, written: 'lead pipe', say: 'led pipe' },
      { index: 15, length: 4, written: 'lead', say: 'leed' },
      { index: 29, length: 6, written: 'Nguyen', ipa: 'wɪn' },
    ]);
  });

  it('refuses entries that cannot be said, naming them', () => {
    expect(() => resolveDocumentInput({ text: 'Hi.', lexicon: { '...': 'dots' } })).toThrow(/lexicon entry "\.\.\." has no letter/u);
    expect(() => resolveDocumentInput({ text: 'Hi.', lexicon: { hi: { matchCase: true } } })).toThrow(/lexicon entry "hi" says neither/u);
    expect(() => resolveDocumentInput({ text: 'Hi.', lexicon: { hi: 42 } })).toThrow(/lexicon/u);
    expect(resolveDocumentInput({ text: 'Hi.', lexicon: { hi: 'high' } }).lexicon).toEqual({ hi: 'high' });
  });
});

describe('respelling for an engine', () => {
  it('maps the words an engine times back to the written text', () => {
    const text = 'We avoid circumvention of rules.';
    const respelled = respell(text, pronouncedSpans(text, LEXICON), (span) => span.say ?? span.written);
    expect(respelled.text).toBe('We avoid sir come VEN shun of rules.');
    const spoken = [...respelled.text.matchAll(/\w+/gu)].map((m, i) => ({ text: m[0], index: m.index, start: i * 10, end: i * 10 + 9 }));
    expect(respelled.toWritten(spoken)).toEqual([
      { text: 'We', index: 0, start: 0, end: 9 },
      { text: 'avoid', index: 3, start: 10, end: 19 },
      { text: 'circumvention', index: 9, start: 20, end: 59 }, // four spoken words, one written
      { text: 'of', index: 23, start: 60, end: 69 },
      { text: 'rules', index: 26, start: 70, end: 79 },
    ]);
  });

  it("turns IPA into eSpeak's phoneme mnemonics", () => {
    expect(ipaToEspeak('ˈnwɪn')).toBe("'nwIn");
    expect(ipaToEspeak('sɜːkəmˈvɛnʃən')).toBe("s3:k@m'vEnS@n");
    expect(ipaToEspeak('tʃeɪndʒ')).toBe('tSeIndZ');
  });

  it('says a Kokoro IPA entry instead of the phonemizer, owned by its word; without entries nothing changes', () => {
    const ipaWords = (text: string) => text.split(' ').map((word) => `[${word.toLowerCase()}]`);
    const plain = textToPhonemes('Ask Nguyen today.', 'en-us', ipaWords);
    expect(textToPhonemes('Ask Nguyen today.', 'en-us', ipaWords, [])).toEqual(plain);
    const told = textToPhonemes('Ask Nguyen today.', 'en-us', ipaWords, [{ index: 4, length: 6, ipa: 'wɪn' }]);
    expect(told.symbols.join('')).toBe('[ask] wɪn [today].');
    const owned = told.symbols.map((symbol, i) => [symbol, told.owners[i]]).filter(([, owner]) => owner === 1);
    expect(owned.map(([symbol]) => symbol).join('')).toBe('wɪn');
    // A phrase's IPA is said once, by its first word; its other words say nothing of their own.
    const phrase = textToPhonemes('The lead pipe leaks.', 'en-us', ipaWords, [{ index: 4, length: 9, ipa: 'lɛd pˈaɪp' }]);
    expect(phrase.symbols.join('')).toBe('[the] lɛd pˈaɪp [leaks].');
  });
});

describe('eSpeak with a dictionary', () => {
  const engine = new EspeakEngine(1);
  afterAll(() => engine.close());
  const say = (text: string, lexicon?: Lexicon) =>
    engine.synthesize({ text, pronunciations: pronouncedSpans(text, lexicon), options: {}, signal: new AbortController().signal });

  it('says the respelling and the IPA, and times the word as written', async () => {
    const text = 'They tried circumvention again.';
    const plain = await say(text);
    const respelled = await say(text, LEXICON);
    const phonemes = await say(text, { circumvention: '/ˈsɜːkəmvɛnʃən/' });
    expect(respelled.samples.length).not.toBe(plain.samples.length);
    expect(phonemes.samples.length).not.toBe(plain.samples.length);
    for (const audio of [respelled, phonemes]) {
      expect(audio.words!.map((w) => [w.text, w.index])).toEqual([
        ['They', 0],
        ['tried', 5],
        ['circumvention', 11],
        ['again', 25],
      ]);
    }
  });
});

describe('Kokoro IPA entries inside words and punctuation', () => {
  const ipaWords = (text: string) => text.split(' ').map((word) => `[${word.toLowerCase()}]`);
  const say = (text: string, index: number, length: number, ipa = 'wɪn') =>
    textToPhonemes(text, 'en-us', ipaWords, [{ index, length, ipa }]).symbols.join('');

  it('keeps what is joined to the entry, says the entry once, and finds it inside quotes', () => {
    expect(say("Ask Nguyen's son.", 4, 6)).toBe("[ask] wɪn ['s] [son].");
    expect(say('Ask Nguyen-Smith now.', 4, 6)).toBe('[ask] wɪn [-smith] [now].');
    expect(say('Ask Nguyen—who knows.', 4, 6)).toBe('[ask] wɪn —[who] [knows].'); // the dash, said once, as a pause
    expect(say('She said “Nguyen,” twice.', 10, 6)).toBe('[she] [said] " wɪn ," [twice].');
    expect(say('A “lead pipe” here.', 3, 9, 'lɛd pˈaɪp')).toBe('[a] " lɛd pˈaɪp " [heɹe].'); // fitted to Kokoro: r -> ɹ
  });
});
