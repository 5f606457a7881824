#!/usr/bin/env python3
"""Keras model files for simdnet's tests, written with h5py in the exact layout each Keras version writes
(Keras itself cannot be installed here), with reference outputs computed in numpy from the files' own weights.

Layouts (Keras' legacy_h5_format / hdf5_format: save_model_to_hdf5, save_weights_to_hdf5_group):
  /                attrs keras_version, backend (bytes in standalone Keras 2.2, str in tf.keras and Keras 3),
                   model_config and training_config (JSON, utf8-encoded bytes)
  /model_weights   attrs layer_names (bytes array), backend, keras_version (bytes); a group per layer, created
                   in sorted order, attr weight_names (bytes array; [] for layers without weights, a float64
                   empty array as h5py stores it); each weight a dataset at <layer>/<weight name>, so
                   'conv2d_1/kernel:0' nests a group conv2d_1/conv2d_1 (Keras 2) and Keras 3's
                   'sequential_4/dense_13/kernel' nests dense_13/sequential_4/dense_13
  /model_weights/top_level_model_weights   Keras 3 only: weight_names []
A Keras 3 .keras file is a zip of config.json (Keras 3 serialization: module, registered_name, Keras 3
inbound_nodes), metadata.json and model.weights.h5 (layers/<name>/vars/<i>, recurrent: layers/<name>/cell/vars/<i>).

Run: /usr/bin/python3 scripts/keras-fixtures.py   (Debian's python3-h5py and python3-numpy)
Writes test/io/fixtures/keras/<name>.h5|.keras and <name>.json ([{shape, x, y}]: inputs and numpy outputs).
"""
import io
import json
import os
import zipfile
import zlib

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'io', 'fixtures', 'keras')
rng = np.random.default_rng(0)


def reseed(fixture):
    """Each fixture draws from its own generator: adding one leaves the others' files as they are."""
    global rng
    rng = np.random.default_rng(zlib.crc32(fixture.encode()))


def w(*shape, scale=0.4):
    return (rng.standard_normal(shape) * scale).astype('float32')


# ---- numpy forward passes (float64 from the float32 weights) ---------------------------------------------

def act(x, name):
    if name == 'relu': return np.maximum(x, 0)
    if name == 'tanh': return np.tanh(x)
    if name == 'sigmoid': return 1 / (1 + np.exp(-x))
    if name == 'softmax':
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    assert name == 'linear', name
    return x


def pad_same(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


def conv2d(x, k, b, stride, padding):
    n, h, wd, c = x.shape
    kh, kw, _, f = k.shape
    if padding == 'same':
        oh, t, bo = pad_same(h, kh, stride)
        ow, l, r = pad_same(wd, kw, stride)
        x = np.pad(x, ((0, 0), (t, bo), (l, r), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            y[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return y + b


def conv1d(x, k, b, padding):
    return conv2d(x[:, None], k[None], b, 1, padding)[:, 0]


def pool2d(x, size, mode):
    n, h, wd, c = x.shape
    oh, ow = h // size, wd // size
    v = x[:, :oh * size, :ow * size].reshape(n, oh, size, ow, size, c)
    return v.max(axis=(2, 4)) if mode == 'max' else v.mean(axis=(2, 4))


def lstm(x, k, r, b, units, return_sequences, keep=None):
    """keep [B, T]: False steps (masked) carry the state over unchanged, as Keras does."""
    h = np.zeros((x.shape[0], units)); c = np.zeros_like(h); out = []
    for t in range(x.shape[1]):
        z = x[:, t] @ k + h @ r + b
        i, f, g, o = (z[:, q * units:(q + 1) * units] for q in range(4))
        c2 = act(f, 'sigmoid') * c + act(i, 'sigmoid') * np.tanh(g)
        h2 = act(o, 'sigmoid') * np.tanh(c2)
        m = np.ones((x.shape[0], 1)) if keep is None else keep[:, t:t + 1]
        h, c = np.where(m, h2, h), np.where(m, c2, c)
        out.append(h)
    return np.stack(out, 1) if return_sequences else h


def gru(x, k, r, b, units, return_sequences, keep=None):
    """Keras 2+ GRU (reset_after=True): bias [2, 3U] = input bias, recurrent bias; gates z, r, h."""
    h = np.zeros((x.shape[0], units)); out = []
    for t in range(x.shape[1]):
        xz = x[:, t] @ k + b[0]
        rz = h @ r + b[1]
        z = act(xz[:, :units] + rz[:, :units], 'sigmoid')
        rr = act(xz[:, units:2 * units] + rz[:, units:2 * units], 'sigmoid')
        hh = np.tanh(xz[:, 2 * units:] + rr * rz[:, 2 * units:])
        m = np.ones((x.shape[0], 1)) if keep is None else keep[:, t:t + 1]
        h = np.where(m, z * h + (1 - z) * hh, h)
        out.append(h)
    return np.stack(out, 1) if return_sequences else h


def simple_rnn(x, k, r, b, activation):
    h = np.zeros((x.shape[0], k.shape[1]))
    for t in range(x.shape[1]):
        h = act(x[:, t] @ k + h @ r + b, activation)
    return h


# ---- Keras configs -------------------------------------------------------------------------------------

GLOROT_224 = {'class_name': 'VarianceScaling', 'config': {'scale': 1.0, 'mode': 'fan_avg', 'distribution': 'uniform', 'seed': None}}
ZEROS = {'class_name': 'Zeros', 'config': {}}
NO_REG = {k: None for k in ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint']}


def init(name, **config):
    return {'class_name': name, 'config': config}


def keras3_init(name, **config):
    return {'module': 'keras.initializers', 'class_name': name, 'config': config, 'registered_name': None}


def dense_cfg(name, units, activation, glorot, **extra):
    return {'name': name, 'trainable': True, **extra, 'units': units, 'activation': activation, 'use_bias': True,
            'kernel_initializer': glorot, 'bias_initializer': ZEROS, **NO_REG}


def write_h5(path, *, keras_version, backend, model_config, training_config, layers, str_root_attrs, top_level=False):
    """layers: [(layer name, [(weight name, array)])] in model order (layers without weights too)."""
    with h5py.File(path, 'w') as f:
        enc = (lambda s: s) if str_root_attrs else (lambda s: s.encode('utf8'))
        f.attrs['keras_version'] = enc(keras_version)
        f.attrs['backend'] = enc(backend)
        f.attrs['model_config'] = json.dumps(model_config).encode('utf8')
        if training_config is not None:
            f.attrs['training_config'] = json.dumps(training_config).encode('utf8')
        g = f.create_group('model_weights')
        g.attrs['layer_names'] = [name.encode('utf8') for name, _ in layers]
        g.attrs['backend'] = backend.encode('utf8')
        g.attrs['keras_version'] = keras_version.encode('utf8')
        for name, weights in sorted(layers, key=lambda l: l[0]):
            lg = g.create_group(name)
            lg.attrs['weight_names'] = [wn.encode('utf8') for wn, _ in weights]
            for wn, value in weights:
                d = lg.create_dataset(wn, value.shape, dtype=value.dtype)
                d[:] = value
        if top_level:
            g.create_group('top_level_model_weights').attrs['weight_names'] = []


def save_reference(name, cases):
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump([{'shape': list(x.shape), 'x': x.ravel().tolist(), 'y': y.ravel().tolist()} for x, y in cases], f)


# ---- Keras 2.2.4 (standalone Keras, as the lab's ModelCheckpoint wrote it): a Sequential CNN -------------

def keras_224_cnn():
    reseed('keras2.2.4-sequential-cnn')
    k1, b1 = w(3, 3, 2, 4), w(4, scale=0.1)
    k2, b2 = w(3, 3, 4, 3), w(3, scale=0.1)
    k3, b3 = w(12, 6), w(6, scale=0.1)
    k4, b4 = w(6, 3), w(3, scale=0.1)
    conv = lambda name, f, pad, **extra: {'name': name, 'trainable': True, **extra, 'filters': f, 'kernel_size': [3, 3],
                                          'strides': [1, 1], 'padding': pad, 'data_format': 'channels_last', 'dilation_rate': [1, 1],
                                          'activation': 'relu', 'use_bias': True, 'kernel_initializer': GLOROT_224, 'bias_initializer': ZEROS, **NO_REG}
    pool = lambda name: {'name': name, 'trainable': True, 'pool_size': [2, 2], 'padding': 'valid', 'strides': [2, 2], 'data_format': 'channels_last'}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential_1', 'layers': [
        {'class_name': 'Conv2D', 'config': conv('conv2d_1', 4, 'valid', batch_input_shape=[None, 10, 10, 2], dtype='float32')},
        {'class_name': 'MaxPooling2D', 'config': pool('max_pooling2d_1')},
        {'class_name': 'Dropout', 'config': {'name': 'dropout_1', 'trainable': True, 'rate': 0.25, 'noise_shape': None, 'seed': None}},
        {'class_name': 'Conv2D', 'config': conv('conv2d_2', 3, 'same')},
        {'class_name': 'AveragePooling2D', 'config': pool('average_pooling2d_1')},
        {'class_name': 'Flatten', 'config': {'name': 'flatten_1', 'trainable': True, 'data_format': 'channels_last'}},
        {'class_name': 'Dense', 'config': dense_cfg('dense_1', 6, 'relu', GLOROT_224)},
        {'class_name': 'Dense', 'config': dense_cfg('dense_2', 3, 'softmax', GLOROT_224)},
    ]}}
    training = {'optimizer_config': {'class_name': 'SGD', 'config': {'lr': 0.01, 'momentum': 0.9, 'decay': 0.0, 'nesterov': True}},
                'loss': 'categorical_crossentropy', 'metrics': ['accuracy'], 'sample_weight_mode': None, 'loss_weights': None}
    layers = [('conv2d_1', [('conv2d_1/kernel:0', k1), ('conv2d_1/bias:0', b1)]), ('max_pooling2d_1', []), ('dropout_1', []),
              ('conv2d_2', [('conv2d_2/kernel:0', k2), ('conv2d_2/bias:0', b2)]), ('average_pooling2d_1', []), ('flatten_1', []),
              ('dense_1', [('dense_1/kernel:0', k3), ('dense_1/bias:0', b3)]), ('dense_2', [('dense_2/kernel:0', k4), ('dense_2/bias:0', b4)])]
    write_h5(os.path.join(OUT, 'keras2.2.4-sequential-cnn.h5'), keras_version='2.2.4', backend='tensorflow', model_config=config,
             training_config=training, layers=layers, str_root_attrs=False)
    x = rng.random((3, 10, 10, 2)).astype('float32')
    h = pool2d(act(conv2d(x, k1, b1, 1, 'valid'), 'relu'), 2, 'max')
    h = pool2d(act(conv2d(h, k2, b2, 1, 'same'), 'relu'), 2, 'avg')
    y = act(act(h.reshape(3, -1) @ k3 + b3, 'relu') @ k4 + b4, 'softmax')
    save_reference('keras2.2.4-sequential-cnn', [(x, y)])


# ---- tf.keras 2.15: a Functional chain with a frozen Conv2D and BatchNormalization ------------------------

def tf215_functional():
    reseed('tf2.15-functional-bn')
    k1, b1 = w(3, 3, 2, 5), w(5, scale=0.1)
    gamma, beta = 1 + w(5, scale=0.2), w(5, scale=0.2)
    mean, var = w(5, scale=0.3), (0.5 + rng.random(5)).astype('float32')
    k2, b2 = w(5, 4), w(4, scale=0.1)
    glorot = init('GlorotUniform', seed=None)
    node = lambda src: [[[src, 0, 0, {}]]]
    layers_cfg = [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 9, 9, 2], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'input_1'},
         'name': 'input_1', 'inbound_nodes': []},
        {'class_name': 'Conv2D', 'config': {'name': 'conv2d', 'trainable': False, 'dtype': 'float32', 'filters': 5, 'kernel_size': [3, 3], 'strides': [2, 2],
                                            'padding': 'same', 'data_format': 'channels_last', 'dilation_rate': [1, 1], 'groups': 1, 'activation': 'linear',
                                            'use_bias': True, 'kernel_initializer': glorot, 'bias_initializer': init('Zeros'), **NO_REG},
         'name': 'conv2d', 'inbound_nodes': node('input_1')},
        {'class_name': 'BatchNormalization', 'config': {'name': 'batch_normalization', 'trainable': True, 'dtype': 'float32', 'axis': [3], 'momentum': 0.99,
                                                        'epsilon': 0.001, 'center': True, 'scale': True, 'beta_initializer': init('Zeros'),
                                                        'gamma_initializer': init('Ones'), 'moving_mean_initializer': init('Zeros'),
                                                        'moving_variance_initializer': init('Ones'), 'beta_regularizer': None, 'gamma_regularizer': None,
                                                        'beta_constraint': None, 'gamma_constraint': None},
         'name': 'batch_normalization', 'inbound_nodes': node('conv2d')},
        {'class_name': 'Activation', 'config': {'name': 'activation', 'trainable': True, 'dtype': 'float32', 'activation': 'relu'},
         'name': 'activation', 'inbound_nodes': node('batch_normalization')},
        {'class_name': 'GlobalAveragePooling2D', 'config': {'name': 'global_average_pooling2d', 'trainable': True, 'dtype': 'float32',
                                                            'data_format': 'channels_last', 'keepdims': False},
         'name': 'global_average_pooling2d', 'inbound_nodes': node('activation')},
        {'class_name': 'Dense', 'config': dense_cfg('dense', 4, 'softmax', glorot, dtype='float32'), 'name': 'dense',
         'inbound_nodes': node('global_average_pooling2d')},
    ]
    config = {'class_name': 'Functional', 'config': {'name': 'model', 'trainable': True, 'layers': layers_cfg,
                                                     'input_layers': [['input_1', 0, 0]], 'output_layers': [['dense', 0, 0]]}}
    training = {'loss': 'categorical_crossentropy',
                'metrics': [[{'class_name': 'MeanMetricWrapper', 'config': {'name': 'accuracy', 'dtype': 'float32', 'fn': 'categorical_accuracy'}}]],
                'weighted_metrics': None, 'loss_weights': None,
                'optimizer_config': {'class_name': 'Custom>Adam', 'config': {
                    'name': 'Adam', 'weight_decay': None, 'clipnorm': None, 'global_clipnorm': None, 'clipvalue': None, 'use_ema': False,
                    'ema_momentum': 0.99, 'ema_overwrite_frequency': None, 'jit_compile': False, 'is_legacy_optimizer': False,
                    'learning_rate': 0.0010000000474974513, 'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-07, 'amsgrad': False}}}
    layers = [('input_1', []), ('conv2d', [('conv2d/kernel:0', k1), ('conv2d/bias:0', b1)]),
              ('batch_normalization', [('batch_normalization/gamma:0', gamma), ('batch_normalization/beta:0', beta),
                                       ('batch_normalization/moving_mean:0', mean), ('batch_normalization/moving_variance:0', var)]),
              ('activation', []), ('global_average_pooling2d', []), ('dense', [('dense/kernel:0', k2), ('dense/bias:0', b2)])]
    write_h5(os.path.join(OUT, 'tf2.15-functional-bn.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config,
             training_config=training, layers=layers, str_root_attrs=True)
    x = rng.random((2, 9, 9, 2)).astype('float32')
    h = conv2d(x, k1, b1, 2, 'same')
    h = act((h - mean) / np.sqrt(var + 0.001) * gamma + beta, 'relu')
    y = act(h.mean(axis=(1, 2)) @ k2 + b2, 'softmax')
    save_reference('tf2.15-functional-bn', [(x, y)])


# ---- tf.keras 2.15: a Sequential text model over sequences of any length ([null, null]) -------------------

def tf215_rnn(name, units, seqs, **own):
    """A tf.keras 2.15 LSTM / GRU config (own: unit_forget_bias or reset_after)."""
    glorot, orth = init('GlorotUniform', seed=None), init('Orthogonal', gain=1.0, seed=None)
    return {'name': name, 'trainable': True, 'dtype': 'float32', 'return_sequences': seqs, 'return_state': False,
            'go_backwards': False, 'stateful': False, 'unroll': False, 'time_major': False, 'units': units,
            'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True, 'kernel_initializer': glorot,
            'recurrent_initializer': orth, 'bias_initializer': init('Zeros'), **own, 'kernel_regularizer': None,
            'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
            'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None,
            'dropout': 0.0, 'recurrent_dropout': 0.0, 'implementation': 2}


def tf215_token_input(input_dim, output_dim, mask_zero):
    """A tf.keras 2.15 Sequential's first two layers for token ids of any length: its InputLayer and an Embedding."""
    return [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, None], 'dtype': 'float32', 'sparse': False, 'ragged': False,
                                                'name': 'embedding_input'}},
        {'class_name': 'Embedding', 'config': {'name': 'embedding', 'trainable': True, 'batch_input_shape': [None, None], 'dtype': 'float32',
                                               'input_dim': input_dim, 'output_dim': output_dim,
                                               'embeddings_initializer': init('RandomUniform', minval=-0.05, maxval=0.05, seed=None),
                                               'embeddings_regularizer': None, 'activity_regularizer': None, 'embeddings_constraint': None,
                                               'mask_zero': mask_zero, 'input_length': None}},
    ]


def tf215_text(masked=False):
    """masked: Embedding(mask_zero=True); id 0 pads the sequences and the recurrent layers skip those steps."""
    reseed('tf2.15-sequential-masked' if masked else 'tf2.15-sequential-text')
    emb = w(20, 4)
    lk, lr, lb = w(4, 4 * 5), w(5, 4 * 5), w(4 * 5, scale=0.1)
    gk, gr, gb = w(5, 3 * 3), w(3, 3 * 3), w(2, 3 * 3, scale=0.1)
    dk, db = w(3, 1), w(1, scale=0.1)
    glorot = init('GlorotUniform', seed=None)
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        *tf215_token_input(20, 4, masked),
        {'class_name': 'LSTM', 'config': tf215_rnn('lstm', 5, True, unit_forget_bias=True)},
        {'class_name': 'GRU', 'config': tf215_rnn('gru', 3, False, reset_after=True)},
        {'class_name': 'Dense', 'config': dense_cfg('dense', 1, 'sigmoid', glorot, dtype='float32')},
    ]}}
    layers = [('embedding', [('embedding/embeddings:0', emb)]),
              ('lstm', [('lstm/lstm_cell/kernel:0', lk), ('lstm/lstm_cell/recurrent_kernel:0', lr), ('lstm/lstm_cell/bias:0', lb)]),
              ('gru', [('gru/gru_cell/kernel:0', gk), ('gru/gru_cell/recurrent_kernel:0', gr), ('gru/gru_cell/bias:0', gb)]),
              ('dense', [('dense/kernel:0', dk), ('dense/bias:0', db)])]
    name = 'tf2.15-sequential-masked' if masked else 'tf2.15-sequential-text'
    write_h5(os.path.join(OUT, f'{name}.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config,
             training_config=None, layers=layers, str_root_attrs=True)
    cases = []
    for n, t in [(3, 4), (2, 11)]:
        x = rng.integers(1 if masked else 0, 20, (n, t)).astype('float32')
        if masked:
            x[0, :2] = 0   # padded in front
            x[1, -1] = 0   # and at the end
        keep = x != 0 if masked else None
        h = gru(lstm(emb[x.astype(int)], lk, lr, lb, 5, True, keep), gk, gr, gb, 3, False, keep)
        cases.append((x, act(h @ dk + db, 'sigmoid')))
    save_reference(name, cases)


# ---- Keras 3 (legacy h5): Sequential with InputLayer batch_shape, nested weight paths ---------------------

def keras3_sequential():
    reseed('keras3-sequential')
    k1, b1 = w(6, 5), w(5, scale=0.1)
    k2, b2 = w(5, 4), w(4, scale=0.1)
    k3, b3 = w(4, 2), w(2, scale=0.1)
    glorot = init('GlorotUniform', seed=None)
    dense = lambda name, units, a: {'class_name': 'Dense', 'config': dense_cfg(name, units, a, glorot, dtype='float32')}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential_4', 'trainable': True, 'dtype': 'float32', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_shape': [None, 6], 'dtype': 'float32', 'sparse': False, 'name': 'input_layer_4'}},
        dense('dense_13', 5, 'tanh'),
        {'class_name': 'Dropout', 'config': {'name': 'dropout_2', 'trainable': True, 'dtype': 'float32', 'rate': 0.5, 'seed': None, 'noise_shape': None}},
        dense('dense_14', 4, 'relu'),
        dense('dense_15', 2, 'softmax'),
    ], 'build_input_shape': [None, 6]}}
    training = {'loss': 'categorical_crossentropy', 'loss_weights': None, 'metrics': ['accuracy'], 'weighted_metrics': None,
                'run_eagerly': False, 'steps_per_execution': 1, 'jit_compile': False,
                'optimizer_config': {'class_name': 'Adam', 'config': {
                    'name': 'adam', 'learning_rate': 0.0005, 'weight_decay': None, 'clipnorm': None, 'global_clipnorm': None, 'clipvalue': None,
                    'use_ema': False, 'ema_momentum': 0.99, 'ema_overwrite_frequency': None, 'loss_scale_factor': None,
                    'gradient_accumulation_steps': None, 'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-07, 'amsgrad': False}}}
    path = lambda layer, v: f'sequential_4/{layer}/{v}'
    layers = [('dense_13', [(path('dense_13', 'kernel'), k1), (path('dense_13', 'bias'), b1)]), ('dropout_2', []),
              ('dense_14', [(path('dense_14', 'kernel'), k2), (path('dense_14', 'bias'), b2)]),
              ('dense_15', [(path('dense_15', 'kernel'), k3), (path('dense_15', 'bias'), b3)])]
    write_h5(os.path.join(OUT, 'keras3-sequential.h5'), keras_version='3.3.3', backend='tensorflow', model_config=config,
             training_config=training, layers=layers, str_root_attrs=True, top_level=True)
    x = rng.random((4, 6)).astype('float32')
    y = act(act(act(x @ k1 + b1, 'tanh') @ k2 + b2, 'relu') @ k3 + b3, 'softmax')
    save_reference('keras3-sequential', [(x, y)])


# ---- Keras 3 .keras zip: a Functional Conv1D -> LSTM -> SimpleRNN -> Dense ------------------------------

def keras3_zip():
    reseed('keras3-functional')
    ck, cb = w(3, 3, 4), w(4, scale=0.1)
    lk, lr, lb = w(4, 4 * 5), w(5, 4 * 5), w(4 * 5, scale=0.1)
    sk, sr, sb = w(5, 3), w(3, 3), w(3, scale=0.1)
    dk, db = w(3, 2), w(2, scale=0.1)
    policy = {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None}
    glorot, orth, zeros = keras3_init('GlorotUniform', seed=None), keras3_init('Orthogonal', gain=1.0, seed=None), keras3_init('Zeros')
    rnn_common = {'trainable': True, 'dtype': policy, 'go_backwards': False, 'stateful': False, 'unroll': False, 'zero_output_for_mask': False,
                  'use_bias': True, 'kernel_initializer': glorot, 'recurrent_initializer': orth, 'bias_initializer': zeros,
                  'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
                  'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0,
                  'seed': None, 'return_state': False}

    def layer(cls, name, config, src, shape):
        entry = {'module': 'keras.layers', 'class_name': cls, 'config': {'name': name, **config}, 'registered_name': None,
                 'build_config': {'input_shape': shape}, 'name': name, 'inbound_nodes': [
                     {'args': [{'class_name': '__keras_tensor__', 'config': {'shape': shape, 'dtype': 'float32', 'keras_history': [src, 0, 0]}}],
                      'kwargs': {'training': False, 'mask': None} if cls in ('LSTM', 'SimpleRNN') else {}}]}
        return entry
    layers_cfg = [
        {'module': 'keras.layers', 'class_name': 'InputLayer', 'config': {'batch_shape': [None, 6, 3], 'dtype': 'float32', 'sparse': False,
                                                                            'name': 'input_layer'}, 'registered_name': None,
         'name': 'input_layer', 'inbound_nodes': []},
        layer('Conv1D', 'conv1d', {'trainable': True, 'dtype': policy, 'filters': 4, 'kernel_size': [3], 'strides': [1], 'padding': 'same',
                                   'data_format': 'channels_last', 'dilation_rate': [1], 'groups': 1, 'activation': 'relu', 'use_bias': True,
                                   'kernel_initializer': glorot, 'bias_initializer': zeros, **NO_REG}, 'input_layer', [None, 6, 3]),
        layer('LSTM', 'lstm', {**rnn_common, 'return_sequences': True, 'units': 5, 'activation': 'tanh', 'recurrent_activation': 'sigmoid',
                               'unit_forget_bias': True}, 'conv1d', [None, 6, 4]),
        layer('SimpleRNN', 'simple_rnn', {**rnn_common, 'return_sequences': False, 'units': 3, 'activation': 'tanh'}, 'lstm', [None, 6, 5]),
        layer('Dense', 'dense', {'trainable': True, 'dtype': policy, 'units': 2, 'activation': 'softmax', 'use_bias': True,
                                 'kernel_initializer': glorot, 'bias_initializer': zeros, **NO_REG}, 'simple_rnn', [None, 3]),
    ]
    config = {'module': 'keras.src.models.functional', 'class_name': 'Functional', 'config': {
        'name': 'functional', 'trainable': True, 'layers': layers_cfg, 'input_layers': [['input_layer', 0, 0]], 'output_layers': [['dense', 0, 0]]},
        'registered_name': 'Functional', 'build_config': {'input_shape': None},
        'compile_config': {'optimizer': {'module': 'keras.optimizers', 'class_name': 'RMSprop', 'config': {
            'name': 'rmsprop', 'learning_rate': 0.001, 'weight_decay': None, 'clipnorm': None, 'global_clipnorm': None, 'clipvalue': None,
            'use_ema': False, 'ema_momentum': 0.99, 'ema_overwrite_frequency': None, 'loss_scale_factor': None, 'gradient_accumulation_steps': None,
            'rho': 0.9, 'momentum': 0.0, 'epsilon': 1e-07, 'centered': False}, 'registered_name': None},
            'loss': 'categorical_crossentropy', 'loss_weights': None, 'metrics': ['accuracy'], 'weighted_metrics': None,
            'run_eagerly': False, 'steps_per_execution': 1, 'jit_compile': False}}
    weights = io.BytesIO()
    with h5py.File(weights, 'w') as f:
        f.create_group('vars')
        for name, values in [('conv1d', [ck, cb]), ('lstm/cell', [lk, lr, lb]), ('simple_rnn/cell', [sk, sr, sb]), ('dense', [dk, db])]:
            g = f.create_group(f'layers/{name}/vars')
            for i, v in enumerate(values):
                g.create_dataset(str(i), data=v)
        f.create_group('layers/input_layer/vars')
        f.create_group('optimizer/vars')
    with zipfile.ZipFile(os.path.join(OUT, 'keras3-functional.keras'), 'w') as z:
        # fixed entry times, so the file is the same on every run
        entry = lambda name: zipfile.ZipInfo(name, date_time=(2026, 11, 30, 12, 0, 0))
        z.writestr(entry('metadata.json'), json.dumps({'keras_version': '3.3.3', 'date_saved': '2026-11-30@12:00:00'}))
        z.writestr(entry('config.json'), json.dumps(config), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(entry('model.weights.h5'), weights.getvalue(), compress_type=zipfile.ZIP_STORED)
    x = rng.random((3, 6, 3)).astype('float32')
    h = act(conv1d(x, ck, cb, 'same'), 'relu')
    h = simple_rnn(lstm(h, lk, lr, lb, 5, True), sk, sr, sb, 'tanh')
    save_reference('keras3-functional', [(x, act(h @ dk + db, 'softmax'))])



# ---- more layers: Keras 2.2.4 text, tf.keras 2.15 augmentation, Keras 3 1D pooling ---------------------

def keras_224_text():
    reseed('keras2.2.4-sequential-text')
    emb = w(15, 3)
    rk, rr, rb = w(3, 4), w(4, 4), w(4, scale=0.1)
    dk, db = w(4, 2), w(2, scale=0.1)
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential_2', 'layers': [
        {'class_name': 'Embedding', 'config': {'name': 'embedding_1', 'trainable': True, 'batch_input_shape': [None, 6], 'dtype': 'float32',
                                               'input_dim': 15, 'output_dim': 3,
                                               'embeddings_initializer': init('RandomUniform', minval=-0.05, maxval=0.05, seed=None),
                                               'embeddings_regularizer': None, 'activity_regularizer': None, 'embeddings_constraint': None,
                                               'mask_zero': False, 'input_length': 6}},
        {'class_name': 'SimpleRNN', 'config': {'name': 'simple_rnn_1', 'trainable': True, 'return_sequences': True, 'return_state': False,
                                               'go_backwards': True, 'stateful': False, 'unroll': False, 'units': 4, 'activation': 'relu',
                                               'use_bias': True, 'kernel_initializer': GLOROT_224,
                                               'recurrent_initializer': init('Orthogonal', gain=1.0, seed=None), 'bias_initializer': ZEROS,
                                               'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None,
                                               'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None,
                                               'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0}},
        {'class_name': 'GlobalAveragePooling1D', 'config': {'name': 'global_average_pooling1d_1', 'trainable': True, 'data_format': 'channels_last'}},
        {'class_name': 'Dense', 'config': dense_cfg('dense_3', 2, 'softmax', GLOROT_224)},
    ]}}
    layers = [('embedding_1', [('embedding_1/embeddings:0', emb)]),
              ('simple_rnn_1', [('simple_rnn_1/kernel:0', rk), ('simple_rnn_1/recurrent_kernel:0', rr), ('simple_rnn_1/bias:0', rb)]),
              ('global_average_pooling1d_1', []), ('dense_3', [('dense_3/kernel:0', dk), ('dense_3/bias:0', db)])]
    write_h5(os.path.join(OUT, 'keras2.2.4-sequential-text.h5'), keras_version='2.2.4', backend='tensorflow', model_config=config,
             training_config=None, layers=layers, str_root_attrs=False)
    x = rng.integers(0, 15, (3, 6)).astype('float32')
    seq = emb[x.astype(int)][:, ::-1]  # go_backwards: outputs in processing order
    h = np.zeros((3, 4)); hs = []
    for t in range(6):
        h = act(seq[:, t] @ rk + h @ rr + rb, 'relu')
        hs.append(h)
    y = act(np.stack(hs, 1).mean(1) @ dk + db, 'softmax')
    save_reference('keras2.2.4-sequential-text', [(x, y)])


def tf215_augment():
    reseed('tf2.15-sequential-augment')
    ck, cb = w(3, 3, 1, 3), w(3, scale=0.1)
    dk, db = w(3, 2), w(2, scale=0.1)
    glorot = init('GlorotUniform', seed=None)
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 8, 8, 1], 'dtype': 'float32', 'sparse': False, 'ragged': False,
                                                'name': 'random_flip_input'}},
        {'class_name': 'RandomFlip', 'config': {'name': 'random_flip', 'trainable': True, 'dtype': 'float32', 'batch_input_shape': [None, 8, 8, 1],
                                                'mode': 'horizontal', 'seed': None}},
        {'class_name': 'RandomTranslation', 'config': {'name': 'random_translation', 'trainable': True, 'dtype': 'float32', 'height_factor': 0.1,
                                                       'width_factor': 0.1, 'fill_mode': 'reflect', 'fill_value': 0.0,
                                                       'interpolation': 'bilinear', 'seed': None}},
        {'class_name': 'Conv2D', 'config': {'name': 'conv2d', 'trainable': True, 'dtype': 'float32', 'filters': 3, 'kernel_size': [3, 3], 'strides': [1, 1],
                                            'padding': 'same', 'data_format': 'channels_last', 'dilation_rate': [1, 1], 'groups': 1, 'activation': 'relu',
                                            'use_bias': True, 'kernel_initializer': glorot, 'bias_initializer': init('Zeros'), **NO_REG}},
        {'class_name': 'GlobalMaxPooling2D', 'config': {'name': 'global_max_pooling2d', 'trainable': True, 'dtype': 'float32',
                                                        'data_format': 'channels_last', 'keepdims': False}},
        {'class_name': 'Dense', 'config': dense_cfg('dense', 2, 'linear', glorot, dtype='float32')},
        {'class_name': 'Activation', 'config': {'name': 'activation', 'trainable': True, 'dtype': 'float32', 'activation': 'softmax'}},
    ]}}
    layers = [('random_flip', []), ('random_translation', []), ('conv2d', [('conv2d/kernel:0', ck), ('conv2d/bias:0', cb)]),
              ('global_max_pooling2d', []), ('dense', [('dense/kernel:0', dk), ('dense/bias:0', db)]), ('activation', [])]
    write_h5(os.path.join(OUT, 'tf2.15-sequential-augment.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config,
             training_config=None, layers=layers, str_root_attrs=True)
    x = rng.random((2, 8, 8, 1)).astype('float32')
    h = act(conv2d(x, ck, cb, 1, 'same'), 'relu').max(axis=(1, 2))
    save_reference('tf2.15-sequential-augment', [(x, act(h @ dk + db, 'softmax'))])


def keras3_pooling():
    reseed('keras3-sequential-pooling')
    ck, cb = w(2, 2, 3), w(3, scale=0.1)
    dk, db = w(3, 2), w(2, scale=0.1)
    glorot = init('GlorotUniform', seed=None)
    pool = lambda cls, name: {'class_name': cls, 'config': {'name': name, 'trainable': True, 'dtype': 'float32', 'pool_size': [2], 'padding': 'valid',
                                                              'strides': [2], 'data_format': 'channels_last'}}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'trainable': True, 'dtype': 'float32', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_shape': [None, 10, 2], 'dtype': 'float32', 'sparse': False, 'name': 'input_layer'}},
        {'class_name': 'Conv1D', 'config': {'name': 'conv1d', 'trainable': True, 'dtype': 'float32', 'filters': 3, 'kernel_size': [2], 'strides': [1],
                                            'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1], 'groups': 1, 'activation': 'tanh',
                                            'use_bias': True, 'kernel_initializer': glorot, 'bias_initializer': init('Zeros'), **NO_REG}},
        pool('MaxPooling1D', 'max_pooling1d'),
        pool('AveragePooling1D', 'average_pooling1d'),
        {'class_name': 'GlobalMaxPooling1D', 'config': {'name': 'global_max_pooling1d', 'trainable': True, 'dtype': 'float32',
                                                        'data_format': 'channels_last', 'keepdims': False}},
        {'class_name': 'Dense', 'config': dense_cfg('dense', 2, 'sigmoid', glorot, dtype='float32')},
    ], 'build_input_shape': [None, 10, 2]}}
    path = lambda layer, v: f'sequential/{layer}/{v}'
    layers = [('conv1d', [(path('conv1d', 'kernel'), ck), (path('conv1d', 'bias'), cb)]), ('max_pooling1d', []), ('average_pooling1d', []),
              ('global_max_pooling1d', []), ('dense', [(path('dense', 'kernel'), dk), (path('dense', 'bias'), db)])]
    write_h5(os.path.join(OUT, 'keras3-sequential-pooling.h5'), keras_version='3.3.3', backend='jax', model_config=config,
             training_config=None, layers=layers, str_root_attrs=True, top_level=True)
    x = rng.random((3, 10, 2)).astype('float32')
    h = act(conv1d(x, ck, cb, 'valid'), 'tanh')                   # (3, 9, 3)
    h = h[:, :8].reshape(3, 4, 2, 3).max(2)                          # max pool 2 -> (3, 4, 3)
    h = h.reshape(3, 2, 2, 3).mean(2).max(1)                         # average pool 2, global max
    save_reference('keras3-sequential-pooling', [(x, act(h @ dk + db, 'sigmoid'))])


# ---- tf.keras 2.15: Dense -> LayerNormalization (axis [1], as tf.keras saves the last axis) ---------------

def tf215_layernorm():
    reseed('tf2.15-unsupported-layer')  # this file was the unsupported-layer fixture before simdnet had the layer
    glorot = init('GlorotUniform', seed=None)
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 4], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'dense_input'}},
        {'class_name': 'Dense', 'config': dense_cfg('dense', 3, 'relu', glorot, dtype='float32')},
        {'class_name': 'LayerNormalization', 'config': {'name': 'layer_normalization', 'trainable': True, 'dtype': 'float32', 'axis': [1], 'epsilon': 0.001,
                                                        'center': True, 'scale': True}},
    ]}}
    dk, db, gamma, beta = w(4, 3), w(3), w(3), w(3)
    write_h5(os.path.join(OUT, 'tf2.15-sequential-layernorm.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config, training_config=None,
             layers=[('dense', [('dense/kernel:0', dk), ('dense/bias:0', db)]),
                     ('layer_normalization', [('layer_normalization/gamma:0', gamma), ('layer_normalization/beta:0', beta)])],
             str_root_attrs=True)
    x = rng.random((5, 4)).astype('float32') * 2 - 1
    h = act(x.astype('float64') @ dk + db, 'relu')
    mean, var = h.mean(-1, keepdims=True), h.var(-1, keepdims=True)
    save_reference('tf2.15-sequential-layernorm', [(x, (h - mean) / np.sqrt(var + 0.001) * gamma + beta)])


# ---- tf.keras 2.15: Conv2D -> UpSampling2D -> ZeroPadding2D -> Cropping2D -> LeakyReLU -> Flatten -> Dense ------

def tf215_resample():
    reseed('tf2.15-sequential-resample')
    ck, cb = w(3, 3, 2, 3), w(3, scale=0.1)
    dk, db = w(6 * 5 * 3, 2), w(2, scale=0.1)
    glorot = init('GlorotUniform', seed=None)
    base = lambda name: {'name': name, 'trainable': True, 'dtype': 'float32'}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 4, 4, 2], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'conv2d_input'}},
        {'class_name': 'Conv2D', 'config': {**base('conv2d'), 'filters': 3, 'kernel_size': [3, 3], 'strides': [1, 1], 'padding': 'valid',
                                            'data_format': 'channels_last', 'dilation_rate': [1, 1], 'groups': 1, 'activation': 'linear',
                                            'use_bias': True, 'kernel_initializer': glorot, 'bias_initializer': init('Zeros'), **NO_REG}},
        {'class_name': 'UpSampling2D', 'config': {**base('up_sampling2d'), 'size': [2, 3], 'data_format': 'channels_last', 'interpolation': 'nearest'}},
        {'class_name': 'ZeroPadding2D', 'config': {**base('zero_padding2d'), 'padding': [[1, 2], [0, 1]], 'data_format': 'channels_last'}},
        {'class_name': 'Cropping2D', 'config': {**base('cropping2d'), 'cropping': [[0, 1], [1, 1]], 'data_format': 'channels_last'}},
        {'class_name': 'LeakyReLU', 'config': {**base('leaky_re_lu'), 'alpha': 0.2}},
        {'class_name': 'Flatten', 'config': {**base('flatten'), 'data_format': 'channels_last'}},
        {'class_name': 'Dense', 'config': dense_cfg('dense', 2, 'softmax', glorot, dtype='float32')},
    ]}}
    layers = [('conv2d', [('conv2d/kernel:0', ck), ('conv2d/bias:0', cb)]), ('up_sampling2d', []), ('zero_padding2d', []), ('cropping2d', []),
              ('leaky_re_lu', []), ('flatten', []), ('dense', [('dense/kernel:0', dk), ('dense/bias:0', db)])]
    write_h5(os.path.join(OUT, 'tf2.15-sequential-resample.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config,
             training_config=None, layers=layers, str_root_attrs=True)
    x = rng.random((2, 4, 4, 2)).astype('float32') * 2 - 1
    h = conv2d(x, ck, cb, 1, 'valid')                                   # (2, 2, 2, 3)
    h = h.repeat(2, axis=1).repeat(3, axis=2)                           # (2, 4, 6, 3)
    h = np.pad(h, ((0, 0), (1, 2), (0, 1), (0, 0)))                     # (2, 7, 7, 3)
    h = h[:, 0:6, 1:6]                                                  # (2, 6, 5, 3)
    h = np.where(h > 0, h, 0.2 * h).reshape(2, -1)
    save_reference('tf2.15-sequential-resample', [(x, act(h @ dk + db, 'softmax'))])


# ---- tf.keras 2.15: Conv2DTranspose (same, stride 2) -> Conv2DTranspose (valid, strides [2, 1]) -> Flatten -> Dense ---

def conv2d_transpose(x, k, b, strides, padding):
    """Keras' Conv2DTranspose (output_padding None) by its definition: each input pixel scatters its kernel-weighted
    patch at stride spacing; 'same' crops the full result by TensorFlow's padding of the matching Conv2D."""
    n, h, wd, c = x.shape
    kh, kw, f, _ = k.shape
    sh, sw = strides
    full = np.zeros((n, (h - 1) * sh + kh, (wd - 1) * sw + kw, f))
    for i in range(h):
        for j in range(wd):
            full[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :] += np.tensordot(x[:, i, j, :], k, axes=([1], [3]))
    out_h, out_w = (h * sh, wd * sw) if padding == 'same' else (h * sh + max(kh - sh, 0), wd * sw + max(kw - sw, 0))
    top, left = (max(kh - sh, 0) // 2, max(kw - sw, 0) // 2) if padding == 'same' else (0, 0)
    full = np.pad(full, ((0, 0), (0, max(0, top + out_h - full.shape[1])), (0, max(0, left + out_w - full.shape[2])), (0, 0)))
    return full[:, top:top + out_h, left:left + out_w, :] + b


def tf215_transpose():
    reseed('tf2.15-sequential-transpose')
    k1, b1 = w(4, 3, 4, 2), w(4, scale=0.1)
    k2, b2 = w(2, 3, 3, 4), w(3, scale=0.1)
    dk, db = w(12 * 10 * 3, 2), w(2, scale=0.1)
    glorot = init('GlorotUniform', seed=None)
    base = lambda name: {'name': name, 'trainable': True, 'dtype': 'float32'}
    tconv = lambda name, filters, kernel, strides, padding, activation: {
        'class_name': 'Conv2DTranspose', 'config': {**base(name), 'filters': filters, 'kernel_size': kernel, 'strides': strides, 'padding': padding,
                                                    'data_format': 'channels_last', 'dilation_rate': [1, 1], 'groups': 1, 'activation': activation,
                                                    'use_bias': True, 'kernel_initializer': glorot, 'bias_initializer': init('Zeros'), **NO_REG,
                                                    'output_padding': None}}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 3, 4, 2], 'dtype': 'float32', 'sparse': False, 'ragged': False,
                                                'name': 'conv2d_transpose_input'}},
        tconv('conv2d_transpose', 4, [4, 3], [2, 2], 'same', 'relu'),
        tconv('conv2d_transpose_1', 3, [2, 3], [2, 1], 'valid', 'tanh'),
        {'class_name': 'Flatten', 'config': {**base('flatten'), 'data_format': 'channels_last'}},
        {'class_name': 'Dense', 'config': dense_cfg('dense', 2, 'softmax', glorot, dtype='float32')},
    ]}}
    layers = [('conv2d_transpose', [('conv2d_transpose/kernel:0', k1), ('conv2d_transpose/bias:0', b1)]),
              ('conv2d_transpose_1', [('conv2d_transpose_1/kernel:0', k2), ('conv2d_transpose_1/bias:0', b2)]),
              ('flatten', []), ('dense', [('dense/kernel:0', dk), ('dense/bias:0', db)])]
    write_h5(os.path.join(OUT, 'tf2.15-sequential-transpose.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config,
             training_config=None, layers=layers, str_root_attrs=True)
    x = rng.random((2, 3, 4, 2)).astype('float32') * 2 - 1
    h = act(conv2d_transpose(x.astype('float64'), k1, b1, (2, 2), 'same'), 'relu')   # (2, 6, 8, 4)
    h = act(conv2d_transpose(h, k2, b2, (2, 1), 'valid'), 'tanh')                    # (2, 12, 10, 3)
    save_reference('tf2.15-sequential-transpose', [(x, act(h.reshape(2, -1) @ dk + db, 'softmax'))])


# ---- tf.keras 2.15: TimeDistributed(Dense) -> TimeDistributed(Dense softmax): a prediction per step --------------

def tf215_time_distributed():
    reseed('tf2.15-sequential-timedistributed')
    k1, b1 = w(5, 4), w(4, scale=0.1)
    k2, b2 = w(4, 3), w(3, scale=0.1)
    glorot = init('GlorotUniform', seed=None)
    td = lambda name, inner: {'class_name': 'TimeDistributed', 'config': {'name': name, 'trainable': True, 'dtype': 'float32',
                                                                           'layer': {'class_name': 'Dense', 'config': inner}}}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 6, 5], 'dtype': 'float32', 'sparse': False, 'ragged': False,
                                                'name': 'time_distributed_input'}},
        td('time_distributed', dense_cfg('dense', 4, 'relu', glorot, dtype='float32')),
        td('time_distributed_1', dense_cfg('dense_1', 3, 'softmax', glorot, dtype='float32')),
    ]}}
    layers = [('time_distributed', [('time_distributed/kernel:0', k1), ('time_distributed/bias:0', b1)]),
              ('time_distributed_1', [('time_distributed_1/kernel:0', k2), ('time_distributed_1/bias:0', b2)])]
    write_h5(os.path.join(OUT, 'tf2.15-sequential-timedistributed.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config,
             training_config=None, layers=layers, str_root_attrs=True)
    x = rng.random((3, 6, 5)).astype('float32') * 2 - 1
    h = act(x.astype('float64') @ k1 + b1, 'relu')
    save_reference('tf2.15-sequential-timedistributed', [(x, act(h @ k2 + b2, 'softmax'))])


# ---- tf.keras 2.15: Masking (padded feature sequences) -> LSTM -> Dense ---------------------------------------

def tf215_masking():
    reseed('tf2.15-sequential-masking')
    lk, lr, lb = w(3, 4 * 4), w(4, 4 * 4), w(4 * 4, scale=0.1)
    dk, db = w(4, 2), w(2, scale=0.1)
    glorot, orth = init('GlorotUniform', seed=None), init('Orthogonal', gain=1.0, seed=None)
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, None, 3], 'dtype': 'float32', 'sparse': False, 'ragged': False,
                                                'name': 'masking_input'}},
        {'class_name': 'Masking', 'config': {'name': 'masking', 'trainable': True, 'dtype': 'float32', 'batch_input_shape': [None, None, 3],
                                             'mask_value': -1.0}},
        {'class_name': 'LSTM', 'config': {'name': 'lstm', 'trainable': True, 'dtype': 'float32', 'return_sequences': False, 'return_state': False,
                                          'go_backwards': False, 'stateful': False, 'unroll': False, 'time_major': False, 'units': 4,
                                          'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True, 'kernel_initializer': glorot,
                                          'recurrent_initializer': orth, 'bias_initializer': init('Zeros'), 'unit_forget_bias': True,
                                          'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None,
                                          'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None,
                                          'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'implementation': 2}},
        {'class_name': 'Dense', 'config': dense_cfg('dense', 2, 'softmax', glorot, dtype='float32')},
    ]}}
    layers = [('masking', []), ('lstm', [('lstm/lstm_cell/kernel:0', lk), ('lstm/lstm_cell/recurrent_kernel:0', lr), ('lstm/lstm_cell/bias:0', lb)]),
              ('dense', [('dense/kernel:0', dk), ('dense/bias:0', db)])]
    write_h5(os.path.join(OUT, 'tf2.15-sequential-masking.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config,
             training_config=None, layers=layers, str_root_attrs=True)
    x = (rng.random((3, 5, 3)) * 2 - 1).astype('float32')
    x[0, 3:] = -1.0   # padded at the end
    x[2, :2] = -1.0   # and in front
    keep = (x != -1.0).any(-1)
    h = lstm(np.where(keep[..., None], x, 0).astype('float64'), lk, lr, lb, 4, False, keep)
    save_reference('tf2.15-sequential-masking', [(x, act(h @ dk + db, 'softmax'))])


# ---- tf.keras 2.15: Embedding(mask_zero) -> Bidirectional(LSTM, concat) -> Bidirectional(GRU, ave) -> Dense per step ----
# Keras 2's Bidirectional saves the layer it was given (named lstm) and makes forward_lstm and backward_lstm (go_backwards
# flipped) from it; its weights are the forward layer's, then the backward one's. Returning sequences, the backward
# layer's output is flipped back to input order, and both layers output zeros at masked steps (the wrapper sets their
# zero_output_for_mask to return_sequences), so a padded step reaches the Dense as zeros.

def tf215_bidirectional():
    reseed('tf2.15-sequential-bidirectional')
    emb = w(12, 3)
    lstm_w = [(w(3, 4 * 4), w(4, 4 * 4), w(4 * 4, scale=0.1)) for _ in range(2)]   # forward, backward
    gru_w = [(w(8, 3 * 3), w(3, 3 * 3), w(2, 3 * 3, scale=0.1)) for _ in range(2)]
    dk, db = w(3, 2), w(2, scale=0.1)
    glorot = init('GlorotUniform', seed=None)
    wrap = lambda name, cls, inner, mode: {'class_name': 'Bidirectional', 'config': {
        'name': name, 'trainable': True, 'dtype': 'float32',
        'layer': {'module': 'keras.layers', 'class_name': cls, 'config': inner, 'registered_name': None}, 'merge_mode': mode}}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        *tf215_token_input(12, 3, True),
        wrap('bidirectional', 'LSTM', tf215_rnn('lstm', 4, True, unit_forget_bias=True), 'concat'),
        wrap('bidirectional_1', 'GRU', tf215_rnn('gru', 3, True, reset_after=True), 'ave'),
        {'class_name': 'Dense', 'config': dense_cfg('dense', 2, 'softmax', glorot, dtype='float32')},
    ]}}
    cell = lambda layer, part, inner, ws: [(f'{layer}/{part}_{inner}/{inner}_cell/{n}:0', v) for n, v in zip(['kernel', 'recurrent_kernel', 'bias'], ws)]
    layers = [('embedding', [('embedding/embeddings:0', emb)]),
              ('bidirectional', cell('bidirectional', 'forward', 'lstm', lstm_w[0]) + cell('bidirectional', 'backward', 'lstm', lstm_w[1])),
              ('bidirectional_1', cell('bidirectional_1', 'forward', 'gru', gru_w[0]) + cell('bidirectional_1', 'backward', 'gru', gru_w[1])),
              ('dense', [('dense/kernel:0', dk), ('dense/bias:0', db)])]
    write_h5(os.path.join(OUT, 'tf2.15-sequential-bidirectional.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config,
             training_config=None, layers=layers, str_root_attrs=True)
    cases = []
    for n, t in [(3, 5), (2, 7)]:
        x = rng.integers(1, 12, (n, t)).astype('float32')
        x[0, :2] = 0    # padded in front
        x[1, -2:] = 0   # and at the end
        keep = x != 0
        # each direction with its own weights; the backward one on the flipped sequence, its output flipped back
        fwd = lstm(emb[x.astype(int)], *lstm_w[0], 4, True, keep)
        bwd = lstm(emb[x.astype(int)][:, ::-1], *lstm_w[1], 4, True, keep[:, ::-1])[:, ::-1]
        h = np.concatenate([fwd, bwd], -1) * keep[..., None]
        gf = gru(h, *gru_w[0], 3, True, keep)
        gb = gru(h[:, ::-1], *gru_w[1], 3, True, keep[:, ::-1])[:, ::-1]
        h = (gf + gb) / 2 * keep[..., None]
        cases.append((x, act(h @ dk + db, 'softmax')))
    save_reference('tf2.15-sequential-bidirectional', cases)


def write_keras3_zip(file, config, variables, empty):
    """A Keras 3 .keras zip: config.json, metadata.json and model.weights.h5 with each (path, values) of `variables`
    under <path>/vars/<i>, and the groups in `empty` (layers without variables) as empty vars groups."""
    weights = io.BytesIO()
    with h5py.File(weights, 'w') as f:
        f.create_group('vars')
        for name, values in variables:
            g = f.create_group(f'layers/{name}/vars')
            for i, v in enumerate(values):
                g.create_dataset(str(i), data=v)
        for name in empty:
            f.create_group(f'layers/{name}/vars')
    with zipfile.ZipFile(os.path.join(OUT, file), 'w') as z:
        entry = lambda name: zipfile.ZipInfo(name, date_time=(2026, 12, 2, 12, 0, 0))
        z.writestr(entry('metadata.json'), json.dumps({'keras_version': '3.3.3', 'date_saved': '2026-12-02@12:00:00'}))
        z.writestr(entry('config.json'), json.dumps(config), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(entry('model.weights.h5'), weights.getvalue(), compress_type=zipfile.ZIP_STORED)


# ---- Keras 3 .keras: Bidirectional(SimpleRNN, mul) -> Dense ----------------------------------------------------
# Keras 3 saves the forward layer as `layer` (named forward_simple_rnn, zero_output_for_mask as return_sequences) and the
# backward one as `backward_layer` (go_backwards true); model.weights.h5 keeps their variables under the wrapper's
# attributes: layers/bidirectional/forward_layer/cell/vars/<i> and .../backward_layer/cell/vars/<i>
# (keras/src/layers/rnn/bidirectional.py, saving_lib's attribute walk).

def keras3_bidirectional_zip():
    reseed('keras3-bidirectional')
    fw = (w(4, 3), w(3, 3), w(3, scale=0.1))
    bw = (w(4, 3), w(3, 3), w(3, scale=0.1))
    dk, db = w(3, 2), w(2, scale=0.1)
    policy = {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None}
    glorot, orth, zeros = keras3_init('GlorotUniform', seed=None), keras3_init('Orthogonal', gain=1.0, seed=None), keras3_init('Zeros')
    shape = [None, 5, 4]
    rnn = lambda name, backwards: {'module': 'keras.layers', 'class_name': 'SimpleRNN', 'config': {
        'name': name, 'trainable': True, 'dtype': policy, 'return_sequences': False, 'return_state': False, 'go_backwards': backwards,
        'stateful': False, 'unroll': False, 'zero_output_for_mask': False, 'units': 3, 'activation': 'tanh', 'use_bias': True,
        'kernel_initializer': glorot, 'recurrent_initializer': orth, 'bias_initializer': zeros, 'kernel_regularizer': None,
        'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None,
        'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'seed': None},
        'registered_name': None, 'build_config': {'input_shape': shape}}
    layers_cfg = [
        {'module': 'keras.layers', 'class_name': 'InputLayer', 'config': {'batch_shape': shape, 'dtype': 'float32', 'sparse': False,
                                                                            'name': 'input_layer'}, 'registered_name': None},
        {'module': 'keras.layers', 'class_name': 'Bidirectional', 'config': {
            'name': 'bidirectional', 'trainable': True, 'dtype': policy, 'merge_mode': 'mul',
            'layer': rnn('forward_simple_rnn', False), 'backward_layer': rnn('backward_simple_rnn', True)},
         'registered_name': None, 'build_config': {'input_shape': shape}},
        {'module': 'keras.layers', 'class_name': 'Dense', 'config': {'name': 'dense', 'trainable': True, 'dtype': policy, 'units': 2,
                                                                    'activation': 'softmax', 'use_bias': True, 'kernel_initializer': glorot,
                                                                    'bias_initializer': zeros, **NO_REG},
         'registered_name': None, 'build_config': {'input_shape': [None, 3]}},
    ]
    config = {'module': 'keras', 'class_name': 'Sequential', 'config': {'name': 'sequential', 'trainable': True, 'dtype': policy,
                                                                       'layers': layers_cfg, 'build_input_shape': shape},
              'registered_name': None, 'build_config': {'input_shape': shape}}
    write_keras3_zip('keras3-bidirectional.keras', config, [('bidirectional/forward_layer/cell', fw), ('bidirectional/backward_layer/cell', bw),
                                                           ('dense', [dk, db])], ['bidirectional'])
    x = (rng.random((3, 5, 4)) * 2 - 1).astype('float32')
    h = simple_rnn(x.astype('float64'), *fw, 'tanh') * simple_rnn(x[:, ::-1].astype('float64'), *bw, 'tanh')
    save_reference('keras3-bidirectional', [(x, act(h @ dk + db, 'softmax'))])


# ---- Keras 3 .keras: layers named otherwise than their class (Dense 'head', Dense 'dense', Dropout, Dense 'dense_1') ----
# Keras 3 keeps a layer's variables under its class, not its name: layers/<class in snake_case>, then _1, _2 for the
# later ones of that class (saving_lib's _save_container_state: "Do NOT address the saveable via saveable.name").
# Here the names point at other layers' paths: read by name, the shapes would not even match.

def keras3_renamed_zip():
    reseed('keras3-renamed')
    k1, b1 = w(4, 3), w(3, scale=0.1)
    k2, b2 = w(3, 5), w(5, scale=0.1)
    k3, b3 = w(5, 2), w(2, scale=0.1)
    policy = {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None}
    glorot, zeros = keras3_init('GlorotUniform', seed=None), keras3_init('Zeros')
    dense = lambda name, units, activation, fan_in: {'module': 'keras.layers', 'class_name': 'Dense', 'config': {
        'name': name, 'trainable': True, 'dtype': policy, 'units': units, 'activation': activation, 'use_bias': True,
        'kernel_initializer': glorot, 'bias_initializer': zeros, **NO_REG}, 'registered_name': None, 'build_config': {'input_shape': [None, fan_in]}}
    layers_cfg = [
        {'module': 'keras.layers', 'class_name': 'InputLayer', 'config': {'batch_shape': [None, 4], 'dtype': 'float32', 'sparse': False,
                                                                            'name': 'input_layer'}, 'registered_name': None},
        dense('head', 3, 'relu', 4),
        dense('dense', 5, 'tanh', 3),
        {'module': 'keras.layers', 'class_name': 'Dropout', 'config': {'name': 'drop', 'trainable': True, 'dtype': policy, 'rate': 0.5,
                                                                      'seed': None, 'noise_shape': None}, 'registered_name': None},
        dense('dense_1', 2, 'softmax', 5),
    ]
    config = {'module': 'keras', 'class_name': 'Sequential', 'config': {'name': 'sequential', 'trainable': True, 'dtype': policy,
                                                                       'layers': layers_cfg, 'build_input_shape': [None, 4]},
              'registered_name': None, 'build_config': {'input_shape': [None, 4]}}
    write_keras3_zip('keras3-renamed.keras', config, [('dense', [k1, b1]), ('dense_1', [k2, b2]), ('dense_2', [k3, b3])], ['dropout'])
    x = (rng.random((3, 4)) * 2 - 1).astype('float32')
    h = act(x.astype('float64') @ k1 + b1, 'relu')
    h = act(h @ k2 + b2, 'tanh')
    save_reference('keras3-renamed', [(x, act(h @ k3 + b3, 'softmax'))])


# ---- tf.keras 2.15: DepthwiseConv2D (depth_multiplier 2, same) -> SeparableConv2D (stride 2) -> GAP -> Dense -------
# Keras 2's SeparableConv2D config carries the base Conv's kernel_* keys (unused by the layer) beside its own.

def depthwise(x, k, b, strides, padding):
    """x [B, H, W, C], k [KH, KW, C, M]: output channel c*M + j = x's channel c with filter k[:, :, c, j]."""
    n, h, wd, c = x.shape
    kh, kw, _, m = k.shape
    if padding == 'same':
        oh, top, bottom = pad_same(h, kh, strides[0])
        ow, left, right = pad_same(wd, kw, strides[1])
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    else:
        oh, ow = (h - kh) // strides[0] + 1, (wd - kw) // strides[1] + 1
    y = np.zeros((n, oh, ow, c, m))
    for i in range(kh):
        for j in range(kw):
            win = x[:, i:i + (oh - 1) * strides[0] + 1:strides[0], j:j + (ow - 1) * strides[1] + 1:strides[1], :]
            y += win[..., None] * k[i, j]
    y = y.reshape(n, oh, ow, c * m)
    return y if b is None else y + b


def tf215_separable():
    reseed('tf2.15-sequential-separable')
    dk, dkb = w(3, 3, 3, 2), w(6, scale=0.1)                 # depthwise: 3 channels x 2
    sd, sp, sb = w(3, 3, 6, 1), w(1, 1, 6, 4), w(4, scale=0.1)
    fk, fb = w(4, 2), w(2, scale=0.1)
    glorot = init('GlorotUniform', seed=None)
    conv_common = {'trainable': True, 'dtype': 'float32', 'data_format': 'channels_last', 'dilation_rate': [1, 1], 'groups': 1,
                   'use_bias': True, 'bias_initializer': ZEROS, 'bias_regularizer': None, 'activity_regularizer': None, 'bias_constraint': None}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 7, 8, 3], 'dtype': 'float32', 'sparse': False, 'ragged': False,
                                                'name': 'depthwise_conv2d_input'}},
        {'class_name': 'DepthwiseConv2D', 'config': {'name': 'depthwise_conv2d', **conv_common, 'batch_input_shape': [None, 7, 8, 3],
                                                     'kernel_size': [3, 3], 'strides': [1, 1], 'padding': 'same', 'activation': 'relu',
                                                     'depth_multiplier': 2, 'depthwise_initializer': glorot, 'depthwise_regularizer': None,
                                                     'depthwise_constraint': None}},
        {'class_name': 'SeparableConv2D', 'config': {'name': 'separable_conv2d', **conv_common, 'filters': 4, 'kernel_size': [3, 3],
                                                     'strides': [2, 2], 'padding': 'valid', 'activation': 'tanh', 'depth_multiplier': 1,
                                                     'kernel_initializer': glorot, 'kernel_regularizer': None, 'kernel_constraint': None,
                                                     'depthwise_initializer': glorot, 'pointwise_initializer': glorot,
                                                     'depthwise_regularizer': None, 'pointwise_regularizer': None,
                                                     'depthwise_constraint': None, 'pointwise_constraint': None}},
        {'class_name': 'GlobalAveragePooling2D', 'config': {'name': 'global_average_pooling2d', 'trainable': True, 'dtype': 'float32',
                                                            'data_format': 'channels_last', 'keepdims': False}},
        {'class_name': 'Dense', 'config': dense_cfg('dense', 2, 'softmax', glorot, dtype='float32')},
    ]}}
    layers = [('depthwise_conv2d', [('depthwise_conv2d/depthwise_kernel:0', dk), ('depthwise_conv2d/bias:0', dkb)]),
              ('separable_conv2d', [('separable_conv2d/depthwise_kernel:0', sd), ('separable_conv2d/pointwise_kernel:0', sp),
                                    ('separable_conv2d/bias:0', sb)]),
              ('global_average_pooling2d', []), ('dense', [('dense/kernel:0', fk), ('dense/bias:0', fb)])]
    write_h5(os.path.join(OUT, 'tf2.15-sequential-separable.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config,
             training_config=None, layers=layers, str_root_attrs=True)
    x = (rng.random((2, 7, 8, 3)) * 2 - 1).astype('float32')
    h = act(depthwise(x.astype('float64'), dk, dkb, (1, 1), 'same'), 'relu')          # (2, 7, 8, 6)
    h = act(depthwise(h, sd, None, (2, 2), 'valid') @ sp[0, 0] + sb, 'tanh')           # (2, 3, 3, 4)
    save_reference('tf2.15-sequential-separable', [(x, act(h.mean((1, 2)) @ fk + fb, 'softmax'))])


# ---- a layer simdnet does not have (the error must name the class and the file) -------------------------

def unsupported():
    reseed('tf2.15-unsupported-layer-2')
    glorot = init('GlorotUniform', seed=None)
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 4], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'dense_input'}},
        {'class_name': 'Dense', 'config': dense_cfg('dense', 3, 'relu', glorot, dtype='float32')},
        {'class_name': 'UnitNormalization', 'config': {'name': 'unit_normalization', 'trainable': True, 'dtype': 'float32', 'axis': [1]}},
    ]}}
    write_h5(os.path.join(OUT, 'tf2.15-unsupported-layer.h5'), keras_version='2.15.0', backend='tensorflow', model_config=config, training_config=None,
             layers=[('dense', [('dense/kernel:0', w(4, 3)), ('dense/bias:0', w(3))]), ('unit_normalization', [])],
             str_root_attrs=True)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    keras_224_cnn()
    tf215_functional()
    tf215_text()
    tf215_text(masked=True)
    keras3_sequential()
    keras3_zip()
    keras_224_text()
    tf215_augment()
    keras3_pooling()
    tf215_layernorm()
    tf215_resample()
    tf215_transpose()
    tf215_time_distributed()
    tf215_masking()
    tf215_bidirectional()
    keras3_bidirectional_zip()
    keras3_renamed_zip()
    tf215_separable()
    unsupported()
    print('wrote', ', '.join(sorted(os.listdir(OUT))))
