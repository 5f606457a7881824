// Where simdnet's own compiled modules are, for worker threads that import them (imageDataset's decoders,
// syntheticFaces' renderers): dist/src/<file> beside this module when it runs built (or from the Node
// bundle in dist/src/bundle/, which sits one folder deep like this one); the built copy under vitest, which
// runs the TypeScript sources.
function ownModule(file: string): string {
  const self = import.meta.url;
  return new URL(self.endsWith('.ts') ? `../../dist/src/${file}` : `../${file}`, self).href;
}

/**
 * The source of a worker thread (node:worker_threads, eval) that imports Node's host adapter and then runs
 * `body` — an async function body given `parentPort`, `workerData` and `load(file)` (ownModule + import).
 * A script, not a module: Deno's eval workers take no `type: 'module'`, and import() works in scripts.
 */
export function workerScript(body: string): string {
  return `(async () => {
    const { parentPort, workerData } = await import('node:worker_threads');
    const load = (file) => import(${JSON.stringify(ownModule('.'))} + file);
    await load('host/node.js'); // Node's host adapter: simdnet's modules read files through it
    ${body}
  })();`; // a rejection there is the worker's 'error' event
}
