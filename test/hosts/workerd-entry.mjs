// workerd (Cloudflare Workers' runtime): the kernels come in as a precompiled module, as the platform
// requires; the script runs on the first request.
import * as sn from 'simdnet';
import wasm from './simd.wasm';
import { run } from './script.mjs';

export default {
  async fetch() {
    try {
      return Response.json(await run(sn, { wasm }));
    } catch (e) {
      return Response.json({ error: String(e && e.stack || e) }, { status: 500 });
    }
  },
};
