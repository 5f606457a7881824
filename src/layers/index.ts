// sn.layers: one factory per Keras layer, tfjs names.
import { Conv2D, type Conv2DArgs } from './conv2d.js';
import { Dense, type DenseArgs } from './dense.js';
import { AveragePooling2D, MaxPooling2D, type Pooling2DArgs } from './pooling.js';
import { Activation, Dropout, Flatten, type ActivationArgs, type DropoutArgs } from './core.js';
import type { LayerArgs } from './layer.js';
import { Embedding, type EmbeddingArgs } from './embedding.js';
import { GRU, LSTM, SimpleRNN, type GRUArgs, type LSTMArgs, type RecurrentArgs } from './recurrent.js';

export { Layer } from './layer.js';
export { Conv2D, Dense, MaxPooling2D, AveragePooling2D, Dropout, Flatten, Activation };

export const conv2d = (args: Conv2DArgs): Conv2D => new Conv2D(args);
export const dense = (args: DenseArgs): Dense => new Dense(args);
export const maxPooling2d = (args?: Pooling2DArgs): MaxPooling2D => new MaxPooling2D(args);
export const averagePooling2d = (args?: Pooling2DArgs): AveragePooling2D => new AveragePooling2D(args);
export const dropout = (args: DropoutArgs): Dropout => new Dropout(args);
export const flatten = (args?: LayerArgs): Flatten => new Flatten(args);
export const activation = (args: ActivationArgs): Activation => new Activation(args);
export { Embedding, SimpleRNN, LSTM, GRU };
export type { EmbeddingArgs, RecurrentArgs, LSTMArgs, GRUArgs };
export const embedding = (args: EmbeddingArgs): Embedding => new Embedding(args);
export const simpleRNN = (args: RecurrentArgs): SimpleRNN => new SimpleRNN(args);
export const lstm = (args: LSTMArgs): LSTM => new LSTM(args);
export const gru = (args: GRUArgs): GRU => new GRU(args);
