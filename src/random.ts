// Seeded pseudo-random numbers for initialisers, shuffling and dropout seeds (mulberry32).

export class Random {
  private state: number;
  constructor(seed: number) { this.state = (seed >>> 0) ^ 0x9e3779b9; }

  /** Where the sequence is: Random.resume(position) goes on from here. */
  get position(): number { return this.state; }
  static resume(position: number): Random { const r = new Random(0); r.state = position; return r; }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uint32(): number { return Math.floor(this.next() * 4294967296) >>> 0; }

  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }
}

/**
 * Per-epoch orders of [0, n) from one seed: epoch e's order is the seed's e-th shuffle whatever epoch is asked
 * for first, so a run resumed with initialEpoch draws the batches of the run it continues (fit and imageDataset
 * share this). A shuffle's draws depend only on n, so earlier epochs are replayed on the output array itself.
 */
export class EpochShuffler {
  private rng: Random;
  /** Shuffles drawn so far: the epoch whose order comes next unless another is asked for. */
  private drawn = 0;

  constructor(private readonly seed: number) { this.rng = new Random(seed); }

  /** Writes epoch `epoch`'s order into `order` (its length is n). */
  orderFor(order: Int32Array, epoch = this.drawn): void {
    if (epoch < this.drawn) { this.rng = new Random(this.seed); this.drawn = 0; }
    for (; this.drawn < epoch; this.drawn++) this.rng.shuffle(order); // the draws of the epochs before
    for (let i = 0; i < order.length; i++) order[i] = i;
    this.rng.shuffle(order);
    this.drawn++;
  }
}
