// Reference models: the lab's face CNN (../shared/seed: Keras "Experiment 4") ready to compile.
import { Sequential } from './engine/sequential.js';
import { checkOptions, type AllOptions } from './format.js';
import { layers as L } from './layers/index.js';

/**
 * The lab's 6-convolution CNN: Conv 32,32 → MaxPool → Dropout .2 → Conv 64,64 → MaxPool → Dropout .2 →
 * Conv 128,128 → MaxPool → Dropout .2 → Flatten → Dense 1024 relu → Dropout .5 → Dense softmax.
 * All convolutions 3x3, valid padding, relu (or `activation`). 435,504 parameters for 42x42x3 inputs and 16 classes.
 */
export interface LabFaceCnnArgs {
  numClasses?: number;
  inputShape?: number[];
  seed?: number;
  /** A batchNormalization after every convolution (and the 1024-unit dense layer). */
  batchNorm?: boolean;
  /** randomFlip (horizontal) and randomTranslation (±10 %) in front: new views of the faces in every epoch. */
  augment?: boolean;
  /** The hidden layers' activation (every convolution and the 1024-unit dense layer); the lab's is 'relu'. */
  activation?: 'relu' | 'tanh' | 'sigmoid' | 'linear';
}

const LAB_FACE_CNN_OPTIONS = ['numClasses', 'inputShape', 'seed', 'batchNorm', 'augment', 'activation'] as const;

export function labFaceCnn(args: LabFaceCnnArgs = {}): Sequential {
  checkOptions('labFaceCnn', args, LAB_FACE_CNN_OPTIONS satisfies AllOptions<LabFaceCnnArgs, typeof LAB_FACE_CNN_OPTIONS>);
  args ??= {};
  const m = new Sequential({ seed: args.seed });
  const inputShape = args.inputShape ?? [42, 42, 3];
  if (args.augment) {
    m.add(L.randomFlip({ mode: 'horizontal', inputShape }));
    m.add(L.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 }));
  }
  const activation = args.activation ?? 'relu';
  const norm = () => { if (args.batchNorm) m.add(L.batchNormalization()); };
  for (const filters of [32, 64, 128]) {
    for (let i = 0; i < 2; i++) {
      m.add(L.conv2d({ filters, kernelSize: 3, activation, ...(m.layers.length === 0 ? { inputShape } : {}) }));
      norm();
    }
    m.add(L.maxPooling2d({ poolSize: 2 }));
    m.add(L.dropout({ rate: 0.2 }));
  }
  m.add(L.flatten());
  m.add(L.dense({ units: 1024, activation }));
  norm();
  m.add(L.dropout({ rate: 0.5 }));
  m.add(L.dense({ units: args.numClasses ?? 16, activation: 'softmax' }));
  return m;
}

export interface LabSentimentRnnArgs { vocabSize?: number; sequenceLength: number; cell?: 'simpleRNN' | 'lstm' | 'gru';
  embeddingDim?: number; units?: number; seed?: number }
const LAB_SENTIMENT_RNN_OPTIONS = ['vocabSize', 'sequenceLength', 'cell', 'embeddingDim', 'units', 'seed'] as const;

/**
 * The lab's sentiment RNN: Embedding(vocabSize, 64) → SimpleRNN(40) → Dense(1, sigmoid); `cell` swaps in an
 * LSTM or GRU of the same width. 68,241 parameters for the lab's vocabulary of 1000 (64000 + 4200 + 41).
 */
export function labSentimentRnn(args: LabSentimentRnnArgs): Sequential {
  checkOptions('labSentimentRnn', args, LAB_SENTIMENT_RNN_OPTIONS satisfies AllOptions<LabSentimentRnnArgs, typeof LAB_SENTIMENT_RNN_OPTIONS>);
  const m = new Sequential({ seed: args.seed });
  m.add(L.embedding({ inputDim: args.vocabSize ?? 1000, outputDim: args.embeddingDim ?? 64, inputLength: args.sequenceLength }));
  const units = args.units ?? 40;
  m.add(args.cell === 'lstm' ? L.lstm({ units }) : args.cell === 'gru' ? L.gru({ units }) : L.simpleRNN({ units }));
  m.add(L.dense({ units: 1, activation: 'sigmoid' }));
  return m;
}
