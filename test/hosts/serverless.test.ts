// examples/serverless in the real Cloudflare runtime: workerd on 127.0.0.1 serves the bundled worker, a face
// photo POSTed to /predict comes back as the lab CNN's class probabilities, equal to Node's within 1e-5.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module without types
import { measure } from '../../examples/serverless/measure.mjs';

describe('the serverless example', () => {
  it('answers POST /predict in workerd as Node does, from a worker bundle without node: modules', async () => {
    const r = await measure({ requests: 5, colds: 1 });
    expect(r.nodeInputs).toEqual([]);
    const a = r.workerd.answer, b = r.node.answer;
    expect(Object.keys(a.probabilities)).toHaveLength(16);
    expect(a.class).toBe(b.class);
    for (const k of Object.keys(b.probabilities)) expect(Math.abs(a.probabilities[k] - b.probabilities[k]), k).toBeLessThanOrEqual(1e-5);
    const sum = Object.values(a.probabilities as Record<string, number>).reduce((s, v) => s + v, 0);
    expect(sum).toBeCloseTo(1, 5);
    // issue 11's budget for a predict-only worker (weights and kernels apart): a size, not a timing. Every registered
    // layer rides along in it (95.0 KB gzip on 2026-12-02), so a new layer may push it over
    expect(r.sizes.bundleGzip, 'the predict-only worker bundle, gzip bytes (≤ 100 KB)').toBeLessThanOrEqual(100 * 1024);
    process.stdout.write(`serverless: bundle ${(r.sizes.bundleGzip / 1024).toFixed(1)} KB gzip; cold start workerd ${r.workerd.coldMedian.toFixed(0)} ms, ` +
      `Node ${r.node.coldMedian.toFixed(0)} ms; warm p50 workerd ${r.workerd.p50.toFixed(1)} ms, Node ${r.node.p50.toFixed(1)} ms (5 requests, this machine's load)\n`);
  }, 120_000);
});
