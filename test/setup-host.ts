// Tests import src/ files directly, not through an entry: install Node's host adapter as src/index.ts does, and
// the parts the full entry installs — training (engine/training.ts) and the Keras file readers (io/keras-files.ts).
// simdnet/predict, which has neither, is tested through its built entry (test/hosts/predict.test.ts).
import '../src/host/node.js';
import '../src/engine/training.js';
import '../src/io/keras-files.js';
