'use strict';
// require('simdnet') in Node: the ES module itself, through Node's require(esm) (Node >= 20.19 and >= 22.12;
// simdnet has no top-level await, which require(esm) needs). Older Node cannot require an ES module: say
// what to do instead.
try {
  module.exports = require('./bundle/index.js');
} catch (e) {
  if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
    const err = new Error(`simdnet is an ES module, which this Node (${process.version}) cannot require(); ` +
      "load it with `const sn = await import('simdnet')` (inside an async function in CommonJS), or use Node >= 20.19 / 22.12");
    err.code = e.code;
    throw err;
  }
  throw e;
}
