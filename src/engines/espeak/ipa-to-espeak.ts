// IPA (as a dictionary entry gives it) -> eSpeak's own phoneme mnemonics, which eSpeak speaks when
// they stand in [[double brackets]] in its text. English phonemes; anything else unknown is dropped.

/** Longest first: diphthongs and affricates before their letters. */
const IPA_TO_ESPEAK: Array<[string, string]> = [
  ['tʃ', 'tS'],
  ['dʒ', 'dZ'],
  ['eɪ', 'eI'],
  ['aɪ', 'aI'],
  ['ɔɪ', 'OI'],
  ['aʊ', 'aU'],
  ['oʊ', 'oU'],
  ['əʊ', '@U'],
  ['ɪə', 'i@'],
  ['eə', 'e@'],
  ['ʊə', 'U@'],
  ['ɜː', '3:'],
  ['ɑː', 'A:'],
  ['ɔː', 'O:'],
  ['iː', 'i:'],
  ['uː', 'u:'],
  ['ɝ', '3:'],
  ['ɚ', '3'],
  ['ʃ', 'S'],
  ['ʒ', 'Z'],
  ['θ', 'T'],
  ['ð', 'D'],
  ['ŋ', 'N'],
  ['ə', '@'],
  ['ɪ', 'I'],
  ['ᵻ', 'I2'],
  ['ʊ', 'U'],
  ['ʌ', 'V'],
  ['æ', 'a'],
  ['ɐ', 'a#'],
  ['ɛ', 'E'],
  ['ɑ', 'A'],
  ['ɔ', 'O'],
  ['ɒ', '0'],
  ['ɹ', 'r'],
  ['ɾ', 't'],
  ['ɡ', 'g'],
  ['ʔ', '?'],
  ['ç', 'C'],
  ['ɫ', 'l'],
  ['ʍ', 'w'],
  ['ˈ', "'"],
  ['ˌ', ','],
  ['ː', ':'],
];

export function ipaToEspeak(ipa: string): string {
  let out = '';
  for (let i = 0; i < ipa.length; ) {
    const found = IPA_TO_ESPEAK.find(([symbol]) => ipa.startsWith(symbol, i));
    if (found) {
      out += found[1];
      i += found[0].length;
      continue;
    }
    const char = ipa[i]!;
    if (/[a-z]/u.test(char))
      out += char; // b d f h j k l m n p s t v w z, and plain vowels, are the same
    else if (/\s/u.test(char)) out += ' '; // between the words of a phrase
    i++;
  }
  return out;
}
