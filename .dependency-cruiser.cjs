// The architecture, checked by dependency-cruiser in `npm test` (npm run check:layers).
//
// src/ is a stack of layers, lowest first. A folder imports only from the folders below it, so the
// folder graph has no cycle; the entry points (src/*.ts) sit on top. docs/architecture.md says what
// each layer holds and why the order is this one.
const LAYERS = [
  'contract', // the document contract: input schema, result, refs, reports, PCM and word timings; imports nothing of ours
  'system', // small Node helpers: the cache folder, building a Go program, sha256 on a thread
  'text', // text → chunks and parts: pure, deterministic, run by workflows too
  'books', // files → text: plain text in any encoding, Markdown, HTML, EPUB
  'cast', // who speaks what: voice and pause tags, quoted dialogue, voices by chapter; pure
  'document', // the input's rules and defaults, titles, output names: pure
  'audio', // PCM, WAV, decoding, the loudness meter, the limiter, ffmpeg
  'engines', // one interface, a folder per engine (GPL code stays in its engine's folder)
  'recognizer', // hearing speech back: Whisper on ONNX Runtime, its model from PyPI, the word error rate
  'formats', // containers and sidecars: MP3/M4B/Opus/FLAC, chapters, captions, ACX
  'stitch', // the joiner and the streaming stitcher
  'storage', // the content-addressed chunk store and outputs, on disk or S3
  'metrics', // Prometheus: the SDK's exporter and our counters
  'config', // settings from the environment
  'activities', // side effects Temporal runs: prepare the text, speak a chunk, stitch
  'workflows', // orchestration only
  'temporal', // wiring: the worker, the dev server, the embedded main job
  'client', // starting, following and listing documents
  'server', // the HTTP API and its page
];

const layerOf = (name) => `^src/${name}/`;
const above = (index) => LAYERS.slice(index + 1).map(layerOf);

module.exports = {
  forbidden: [
    ...LAYERS.map((name, index) => ({
      name: `${name}-imports-only-below`,
      comment: `${name}/ may import only from the layers below it (${LAYERS.slice(0, index).join(', ') || 'none of ours'}).`,
      severity: 'error',
      from: { path: layerOf(name) },
      to: { path: index + 1 < LAYERS.length ? above(index) : '^$' },
    })),
    {
      name: 'layers-under-entry-points',
      comment: 'Entry points (src/*.ts) are on top: nothing in a layer imports them.',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/[^/]+\\.ts$' },
    },
    {
      name: 'every-folder-is-a-layer',
      comment: 'A new folder under src/ takes its place in LAYERS (.dependency-cruiser.cjs) and docs/architecture.md.',
      severity: 'error',
      from: { path: `^src/(?!(${LAYERS.join('|')})/)[^/]+/` },
      to: {},
    },
    {
      name: 'no-cycles',
      comment: 'Modules import one way, inside a folder too.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'product-without-test-tooling',
      comment: 'The product (src/) never imports tests, the test kit, scripts or dev dependencies: the image ships src/ alone.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|testkit|scripts)/' },
    },
    {
      name: 'product-without-dev-dependencies',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'workflows-import-activity-types-only',
      comment: 'Workflow code runs in the sandbox and replays: it takes activities as types, never their code.',
      severity: 'error',
      from: { path: '^src/workflows/' },
      to: { path: '^src/activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-without-node',
      comment: 'Workflow code is deterministic orchestration: no Node built-ins, no I/O.',
      severity: 'error',
      from: { path: '^src/workflows/' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
