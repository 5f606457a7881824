// Tests import src/ files directly, not through an entry: install Node's host adapter as src/index.ts does.
import '../src/host/node.js';
