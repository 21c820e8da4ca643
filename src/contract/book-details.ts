// What a book says of itself beyond its text, wherever it is written down: the audio's tags, a
// library's metadata.json, a read-along EPUB's package.

export interface BookDetails {
  title?: string;
  author?: string;
  /** The voice, as the library and the composer tag name the narrator. */
  narrator?: string;
  description?: string;
  /** BCP 47. */
  language?: string;
  series?: string;
  /** Its place in the series: "1", "2.5". */
  seriesPart?: string;
}
