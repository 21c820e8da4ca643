"""onnx/log_mel.onnx: 16 kHz waveform [batch, 480000] -> Whisper input_features [batch, n_mels, 3000],
as openai/whisper's log_mel_spectrogram: reflect-padded STFT (n_fft 400, hop 160, periodic Hann),
power, Slaney mel filters (librosa's), log10, floor at max - 8, (x + 4) / 4. The STFT is a strided
Conv1d with cosine and sine kernels, so ONNX Runtime runs it as one GEMM.

  python log_mel_onnx.py OUT.onnx [N_MELS]
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SR, N_FFT, HOP, N_SAMPLES = 16000, 400, 160, 480000


def mel_filters(n_mels):
    def hz_to_mel(f):
        return np.where(f < 1000, 3 * f / 200, 15 + 27 * np.log(np.maximum(f, 1e-10) / 1000) / np.log(6.4))

    def mel_to_hz(m):
        return np.where(m < 15, 200 * m / 3, 1000 * np.exp((m - 15) * np.log(6.4) / 27))

    fft = np.arange(N_FFT // 2 + 1) * SR / N_FFT
    hz = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SR / 2), n_mels + 2))
    lower = (fft[None, :] - hz[:-2, None]) / (hz[1:-1] - hz[:-2])[:, None]
    upper = (hz[2:, None] - fft[None, :]) / (hz[2:] - hz[1:-1])[:, None]
    return np.maximum(0, np.minimum(lower, upper)) * (2 / (hz[2:] - hz[:-2]))[:, None]  # [n_mels, 201]


def build(n_mels=80):
    n = np.arange(N_FFT)
    k = np.arange(N_FFT // 2 + 1)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)
    ang = 2 * np.pi * k[:, None] * n[None, :] / N_FFT
    kernels = np.concatenate([np.cos(ang) * window, -np.sin(ang) * window])[:, None, :].astype(np.float32)  # [402,1,400]
    inits = [
        numpy_helper.from_array(kernels, 'dft'),
        numpy_helper.from_array(mel_filters(n_mels).astype(np.float32), 'mel'),
        numpy_helper.from_array(np.array([0, 0, N_FFT // 2, 0, 0, N_FFT // 2], np.int64), 'pads'),
        numpy_helper.from_array(np.array([1], np.int64), 'one'),
        numpy_helper.from_array(np.array([N_FFT // 2 + 1], np.int64), 'bins'),
        numpy_helper.from_array(np.array([2 * (N_FFT // 2 + 1)], np.int64), 'bins2'),
        numpy_helper.from_array(np.array([0], np.int64), 'zero'),
        numpy_helper.from_array(np.array([N_SAMPLES // HOP], np.int64), 'frames'),
        numpy_helper.from_array(np.array([2], np.int64), 'axis2'),
        numpy_helper.from_array(np.float32(1e-10), 'eps'),
        numpy_helper.from_array(np.float32(1 / np.log(10)), 'inv_ln10'),
        numpy_helper.from_array(np.float32(8), 'eight'),
        numpy_helper.from_array(np.float32(4), 'four'),
        numpy_helper.from_array(np.float32(0.25), 'quarter'),
    ]
    N = helper.make_node
    nodes = [
        N('Unsqueeze', ['waveform', 'one'], ['x3']),  # [B,1,480000]
        N('Pad', ['x3', 'pads'], ['xp'], mode='reflect'),
        N('Conv', ['xp', 'dft'], ['spec'], strides=[HOP], kernel_shape=[N_FFT]),  # [B,402,3001]
        N('Slice', ['spec', 'zero', 'bins', 'one'], ['re']),
        N('Slice', ['spec', 'bins', 'bins2', 'one'], ['im']),
        N('Mul', ['re', 're'], ['re2']), N('Mul', ['im', 'im'], ['im2']), N('Add', ['re2', 'im2'], ['power_all']),
        N('Slice', ['power_all', 'zero', 'frames', 'axis2'], ['power']),  # drop the last frame: [B,201,3000]
        N('MatMul', ['mel', 'power'], ['melspec']),  # [B,n_mels,3000]
        N('Max', ['melspec', 'eps'], ['clamped']),
        N('Log', ['clamped'], ['ln']), N('Mul', ['ln', 'inv_ln10'], ['log10']),
        N('ReduceMax', ['log10'], ['peak'], keepdims=1),  # over everything: [B?]: whole-tensor max as whisper does per clip
        N('Sub', ['peak', 'eight'], ['floor']),
        N('Max', ['log10', 'floor'], ['floored']),
        N('Add', ['floored', 'four'], ['shifted']), N('Mul', ['shifted', 'quarter'], ['input_features']),
    ]
    graph = helper.make_graph(nodes, 'whisper_log_mel',
                              [helper.make_tensor_value_info('waveform', TensorProto.FLOAT, ['batch_size', N_SAMPLES])],
                              [helper.make_tensor_value_info('input_features', TensorProto.FLOAT, ['batch_size', n_mels, N_SAMPLES // HOP])],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='log_mel_onnx', ir_version=8)
    onnx.checker.check_model(model)
    return model


if __name__ == '__main__':
    onnx.save(build(int(sys.argv[2]) if len(sys.argv) > 2 else 80), sys.argv[1])
