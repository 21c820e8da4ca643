// Fetches and converts the speech recognizer's model (Whisper base) into the cache once, every file
// checked against src/recognizer/model-pins.json; prints the model dir.

import { ensureRecognizerModel } from '../src/recognizer/model-files.ts';

ensureRecognizerModel()
  .then((dir) => console.log(dir))
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
