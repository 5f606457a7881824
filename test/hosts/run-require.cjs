// CommonJS: require('simdnet') (Node's require(esm)), then the same script.
const sn = require('simdnet');

import('./script.mjs').then(({ run }) => run(sn)).then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e.message); process.exitCode = 1; });
