// Punctuation classes shared by block reading and chunk breaking (Unicode-aware, locale-free).

/** Closing quotes and brackets, spaces, and marks (src/text/marks.ts): what may follow a sentence's last punctuation. */
export const CLOSING_MARKS = /[\s"'\u2019\u201d\u00bb)\]}\u300d\u300f\uE000-\uF8FF]+$/u;
/** Any punctuation that ends a line of prose (so the line is not a heading): includes , ; : */
export const FINAL_PUNCTUATION = /\p{Terminal_Punctuation}$/u;
/** Punctuation that ends a sentence, in the scripts Intl.Segmenter knows. */
export const SENTENCE_END = /[.!?\u2026\u3002\uff01\uff0e\uff1f\u061f\u06d4\u0964\u0965\u203c\u2047-\u2049]$/u;
/** Dashes that end a clause. */
export const CLAUSE_DASH = /[\u2013\u2014]$/u;

export function withoutClosingMarks(text: string): string {
  return text.replace(CLOSING_MARKS, '');
}
