// Everything the worker's workflow bundle registers. The exported function name is the workflow type.
export { audioDocument } from './audio-document.ts';
export { audioDocumentPart } from './audio-document-part.ts';
