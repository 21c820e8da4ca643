// Adds an intermediate tensor to an ONNX model's outputs, in memory, by appending one
// `GraphProto.output` entry to the serialized ModelProto (protobuf lets repeated fields come in any
// order). Kokoro's per-phoneme durations (/encoder/Cast_output_0) become readable this way, without
// a second copy of the model on disk. The file on disk, and its pinned sha256, stay as they are.

const MODEL_GRAPH_FIELD = 7; // ModelProto.graph
const GRAPH_OUTPUT_FIELD = 12; // GraphProto.output
export const ONNX_INT64 = 7; // TensorProto.DataType.INT64

export function withExtraOutput(model: Uint8Array, name: string, elemType: number): Buffer {
  let pos = 0;
  while (pos < model.length) {
    const fieldStart = pos;
    let tag: number;
    [tag, pos] = readVarint(model, pos);
    const wireType = tag & 7;
    if (wireType === 0) {
      [, pos] = readVarint(model, pos);
      continue;
    }
    if (wireType !== 2) throw new Error(`unexpected protobuf wire type ${wireType} in the ONNX model`);
    let length: number;
    [length, pos] = readVarint(model, pos);
    if (tag >>> 3 === MODEL_GRAPH_FIELD) {
      // ValueInfoProto { name = 1; type = 2: TypeProto { tensor_type = 1: { elem_type = 1 } } }
      const tensorType = Buffer.concat([varint(1 << 3), varint(elemType)]);
      const valueInfo = Buffer.concat([lengthDelimited(1, Buffer.from(name, 'utf8')), lengthDelimited(2, lengthDelimited(1, tensorType))]);
      const graph = Buffer.concat([model.subarray(pos, pos + length), lengthDelimited(GRAPH_OUTPUT_FIELD, valueInfo)]);
      return Buffer.concat([model.subarray(0, fieldStart), lengthDelimited(MODEL_GRAPH_FIELD, graph), model.subarray(pos + length)]);
    }
    pos += length;
  }
  throw new Error('no graph in the ONNX model');
}

function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = bytes[pos++]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  return [value, pos];
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

function lengthDelimited(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}
