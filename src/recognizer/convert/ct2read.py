# Minimal reader for CTranslate2 model.bin (binary spec, versions 3-6).
import struct, sys, numpy as np
DT = {0:np.float32,1:np.int8,2:np.int16,3:np.int32,4:np.float16,5:None}  # 5 = bfloat16
def read_ct2(paths):
    data = b''.join(open(p,'rb').read() for p in paths)
    o = 0
    def u(fmt):
        nonlocal o; v = struct.unpack_from(fmt, data, o); o += struct.calcsize(fmt); return v[0]
    def s():
        nonlocal o; n = u('<H'); v = data[o:o+n-1].decode(); o += n; return v
    version = u('<I'); spec = s() if version >= 2 else ''; rev = u('<I') if version >= 2 else 1
    n = u('<I'); vars_ = {}
    for _ in range(n):
        name = s(); rank = u('<B'); shape = [u('<I') for _ in range(rank)]
        if version >= 4: dt = u('<B'); nbytes = u('<I')
        else: raise SystemExit('old version')
        buf = data[o:o+nbytes]; o += nbytes
        if dt == 5:
            a = (np.frombuffer(buf, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            a = np.frombuffer(buf, DT[dt])
        vars_[name] = a.reshape(shape)
    aliases = {}
    if version >= 3:
        na = u('<I')
        for _ in range(na):
            a = s(); v = s(); aliases[a] = v
    assert o == len(data), (o, len(data))
    return dict(version=version, spec=spec, revision=rev, vars=vars_, aliases=aliases)
if __name__ == '__main__':
    m = read_ct2(sys.argv[1:])
    print(m['version'], m['spec'], m['revision'], len(m['vars']), m['aliases'])
    for k, v in m['vars'].items(): print(k, v.shape, v.dtype)
