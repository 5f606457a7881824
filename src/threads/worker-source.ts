// The source of a simdnet worker, as a string: workers are started from it in Node (worker_threads,
// eval) and browsers (a Blob URL), so they need no file of their own and no module resolution. A worker
// instantiates the kernels on the shared memory, then loops: wait for a task in its control slot, run the
// named kernel on raw pointers, report completion. It never allocates. Between tasks it spins for up to
// spinMs (0 when there are more threads than cores) before it sleeps.
//
// Control slot (in the shared Wasm memory, at `slot`): Int32 [0] posted task sequence, [1] finished
// sequence, [2] status (0 ok, 1 failed, 2 exited), [3] op index, [4] argument count, [8..71] UTF-8 error
// text; Float64 args at byte offset 320.
export const SLOT_BYTES = 1024;
export const ARGS_OFFSET = 320;
export const MESSAGE_OFFSET = 32;
export const MESSAGE_BYTES = 256;

export const WORKER_SOURCE = String.raw`
const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
let port;
// dynamic import works whether Node runs this eval'd source as CommonJS or as a module
async function onMessage(handler) {
  if (isNode) { port = (await import('node:worker_threads')).parentPort; port.on('message', handler); }
  else self.onmessage = (e) => handler(e.data);
}
let ctl, args, bytes, slot, current = 'starting';
function fail(status, text) {
  if (!ctl) return;
  const msg = new TextEncoder().encode(String(text).slice(0, 250));
  bytes.fill(0, slot + ${MESSAGE_OFFSET}, slot + ${MESSAGE_OFFSET + MESSAGE_BYTES});
  bytes.set(msg.subarray(0, ${MESSAGE_BYTES - 1}), slot + ${MESSAGE_OFFSET});
  Atomics.store(ctl, 2, status);
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}
if (isNode) process.on('exit', (code) => fail(2, 'exited with code ' + code + ' while running ' + current));
onMessage(async (msg) => {
  if (msg.type !== 'init') return;
  try {
    const instance = await WebAssembly.instantiate(msg.module, { env: { memory: msg.memory } });
    const k = instance.exports;
    const buf = msg.memory.buffer;
    slot = msg.slot;
    ctl = new Int32Array(buf, slot, 8);
    args = new Float64Array(buf, slot + ${ARGS_OFFSET}, 64);
    bytes = new Uint8Array(buf);
    const ops = msg.ops;
    // read the sequence before saying ready: a task posted right after 'ready' must not be missed
    let seen = Atomics.load(ctl, 0);
    const spinMs = msg.spinMs;
    if (isNode) port.postMessage({ type: 'ready' }); else self.postMessage({ type: 'ready' });
    for (;;) {
      // the next task of a step usually follows within microseconds: spin briefly (a sleeping thread takes
      // tens of microseconds to wake on some hosts), then sleep until one is posted
      const until = performance.now() + spinMs;
      for (let i = 1; Atomics.load(ctl, 0) === seen; i++) {
        if ((i & 63) === 0 && performance.now() > until) { Atomics.wait(ctl, 0, seen); break; }
      }
      seen = Atomics.load(ctl, 0);
      const op = ops[Atomics.load(ctl, 3)];
      const n = Atomics.load(ctl, 4);
      current = op;
      if (op === '__throw') throw new Error('injected fault');
      if (op === '__exit') { if (isNode) process.exit(3); else self.close(); }
      const a = new Array(n);
      for (let i = 0; i < n; i++) a[i] = args[i];
      k[op](...a);
      current = 'idle';
      Atomics.store(ctl, 1, seen);
      Atomics.notify(ctl, 1);
    }
  } catch (e) {
    fail(1, (e && e.stack ? String(e.stack).split('\n').slice(0, 2).join(' ') : String(e)) + ' (in ' + current + ')');
  }
});
`;
