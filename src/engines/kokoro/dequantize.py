# Kokoro-82M's int8 ONNX model back to float32, run once by model-files.ts when the model is set up.
# Measured on 2 cores (npm run bench): float32 makes speech 1.5-2x faster than the int8 graph, whose
# dynamic quantization (DynamicQuantizeLinear before every MatMul/Conv/LSTM) costs more than it saves.
# The weights are exactly the int8 model's, W = (Wq - zero_point) * scale, stored as float:
#   DynamicQuantizeLinear + MatMulInteger -> Cast -> Mul(scales)          => MatMul(x, W)
#   DynamicQuantizeLinear + ConvInteger [-> Add(int bias)] -> Cast -> Mul => Conv(x, W[, b])
#   DynamicQuantizeLSTM                                                    => LSTM(X, W, R, ...)
#   Gather(int8 table) -> DequantizeLinear                                 => Gather(float table)
# The output is the same bytes on every run (its sha256 is pinned in model-pins.json).
# Usage: python3 dequantize.py in.int8.onnx out.fp32.onnx   (needs the `onnx` and `numpy` packages)
import collections
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper as nh

KEEP = {'/encoder/Cast_output_0'}  # the engine adds this (durations) as an extra output

src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
inits = {i.name: i for i in g.initializer}
arr = lambda name: nh.to_array(inits[name])
prod, cons = {}, collections.defaultdict(list)
for n in g.node:
    for o in n.output:
        prod[o] = n
    for i in n.input:
        cons[i].append(n)

new_inits = {}
def add_init(name, value):
    if name not in new_inits:
        new_inits[name] = nh.from_array(value.astype(np.float32), name)
    return name

def only(nodes, op):
    assert len(nodes) == 1 and nodes[0].op_type == op, (op, [x.op_type for x in nodes])
    return nodes[0]

def init_input(node):
    """The initializer input of a Mul(activation, initializer)."""
    names = [i for i in node.input if i in inits]
    assert len(names) == 1, node
    return names[0]

removed = set()  # ids of nodes to drop
replacement = {}  # id(node) -> new node, placed where the old node was
stats = collections.Counter()

for n in g.node:
    if n.op_type == 'MatMulInteger':
        xq, wq, _, wzp = n.input
        dql = prod[xq]
        assert dql.op_type == 'DynamicQuantizeLinear'
        cast = only(cons[n.output[0]], 'Cast')
        mul = only(cons[cast.output[0]], 'Mul')
        scales = [i for i in mul.input if i != cast.output[0]][0]
        wscale = init_input(prod[scales])
        w = (arr(wq).astype(np.float32) - arr(wzp).astype(np.float32)) * arr(wscale)
        wname = add_init(wq + '_f32', w)
        replacement[id(n)] = helper.make_node('MatMul', [dql.input[0], wname], [mul.output[0]], name=(n.name or wq) + '_f32')
        removed.update([id(cast), id(mul)])
        stats['MatMulInteger'] += 1
    elif n.op_type == 'ConvInteger':
        xq, wq, _, wzp = n.input
        dql = prod[xq]
        assert dql.op_type == 'DynamicQuantizeLinear'
        assert len(cons[n.output[0]]) == 1
        first = cons[n.output[0]][0]
        bias = None
        if first.op_type == 'Add':  # int32 bias added before the rescale
            reshape = prod[[i for i in first.input if i != n.output[0]][0]]
            assert reshape.op_type == 'Reshape'
            castb = prod[reshape.input[0]]
            floor = prod[castb.input[0]]
            div = prod[floor.input[0]]
            assert (castb.op_type, floor.op_type, div.op_type) == ('Cast', 'Floor', 'Div')
            bias = div.input[0]
            assert bias in inits
            cast = only(cons[first.output[0]], 'Cast')
            removed.add(id(first))
        else:
            cast = first
            assert cast.op_type == 'Cast'
        mul = only(cons[cast.output[0]], 'Mul')
        scales = [i for i in mul.input if i != cast.output[0]][0]
        wscale = init_input(prod[scales])
        s = arr(wscale).astype(np.float32)
        zp = arr(wzp).astype(np.float32)
        wq_a = arr(wq).astype(np.float32)
        shape = (-1,) + (1,) * (wq_a.ndim - 1)
        if s.ndim:
            s = s.reshape(shape)
        if zp.ndim:
            zp = zp.reshape(shape)
        w = (wq_a - zp) * s
        wname = add_init(wq + '_f32', w)
        inputs = [dql.input[0], wname] + ([bias] if bias else [])
        conv = helper.make_node('Conv', inputs, [mul.output[0]], name=(n.name or wq) + '_f32')
        conv.attribute.extend(n.attribute)
        replacement[id(n)] = conv
        removed.update([id(cast), id(mul)])
        stats['ConvInteger' + ('+bias' if bias else '')] += 1
    elif n.op_type == 'DynamicQuantizeLSTM':
        ins = list(n.input) + [''] * (12 - len(n.input))
        x, wq, rq, b, seq, h0, c0, p, ws, wzp, rs, rzp = ins
        def deq(q, scale, zero):
            a = arr(q).astype(np.float32)  # [dirs, in, 4h]
            sc = arr(scale).astype(np.float32)
            z = arr(zero).astype(np.float32)
            sc = sc.reshape(sc.shape[0], 1, -1) if sc.ndim else sc
            z = z.reshape(z.shape[0], 1, -1) if z.ndim else z
            return np.transpose((a - z) * sc, (0, 2, 1))  # ONNX LSTM: [dirs, 4h, in]
        wname = add_init(wq + '_f32', deq(wq, ws, wzp))
        rname = add_init(rq + '_f32', deq(rq, rs, rzp))
        lstm = helper.make_node('LSTM', [x, wname, rname, b, seq, h0, c0, p], list(n.output), name=(n.name or wq) + '_f32')
        lstm.attribute.extend(n.attribute)
        while lstm.input and lstm.input[-1] == '':
            lstm.input.pop()
        replacement[id(n)] = lstm
        stats['DynamicQuantizeLSTM'] += 1
    elif n.op_type == 'DequantizeLinear':
        q, scale, zero = (list(n.input) + [''])[:3]
        gather = prod[q]
        assert gather.op_type == 'Gather' and gather.input[0] in inits
        table = (arr(gather.input[0]).astype(np.float32) - (arr(zero).astype(np.float32) if zero else 0)) * arr(scale)
        tname = add_init(gather.input[0] + '_f32', table)
        ng = helper.make_node('Gather', [tname, gather.input[1]], list(n.output), name=(n.name or q) + '_f32')
        ng.attribute.extend(gather.attribute)
        replacement[id(n)] = ng
        stats['DequantizeLinear(Gather)'] += 1

nodes = []
for n in g.node:
    if id(n) in removed:
        continue
    nodes.append(replacement.get(id(n), n))

# Drop what nothing uses any more (DynamicQuantizeLinear, scale Muls, int bias chains, int tables).
outputs = {o.name for o in g.output} | KEEP
while True:
    used = set(outputs)
    for n in nodes:
        used.update(n.input)
    keep = [n for n in nodes if any(o in used for o in n.output if o)]
    if len(keep) == len(nodes):
        break
    nodes = keep
used = set(outputs)
for n in nodes:
    used.update(n.input)

del g.node[:]
g.node.extend(nodes)
all_inits = [i for i in g.initializer if i.name in used] + [i for i in new_inits.values() if i.name in used]
del g.initializer[:]
g.initializer.extend(all_inits)
# value_info of the removed int tensors would be stale
vi = [v for v in g.value_info if v.name in used or any(v.name in n.output for n in nodes)]
del g.value_info[:]
g.value_info.extend(vi)

left = collections.Counter(n.op_type for n in g.node)
quantized = {k: v for k, v in left.items() if 'Integer' in k or 'Quantize' in k}
if quantized:
    sys.exit(f'quantized nodes left after conversion: {quantized}')
onnx.save(m, dst)
onnx.checker.check_model(dst)
print('replaced', dict(stats))
