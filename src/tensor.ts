// User-level tensors: plain data holders in JS memory (no autograd at the user level). The engine
// copies them into the Wasm arena when it needs them.

export type DType = 'float32' | 'int32';
export type TypedData = Float32Array | Int32Array;

export class Tensor {
  readonly shape: readonly number[];
  readonly data: TypedData;
  readonly dtype: DType;

  constructor(data: TypedData, shape: readonly number[]) {
    const size = shapeSize(shape, 'tensor');
    if (data.length !== size) {
      throw new Error(`tensor: shape [${shape.join(', ')}] holds ${size} values but the data has ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Int32Array ? 'int32' : 'float32';
  }

  get size(): number { return this.data.length; }
  get rank(): number { return this.shape.length; }

  /** Values as (nested) JS arrays, like tfjs' arraySync. */
  toArray(): unknown {
    const rec = (dim: number, off: number): unknown => {
      if (dim === this.shape.length) return this.data[off];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: this.shape[dim] }, (_, i) => rec(dim + 1, off + i * stride));
    };
    return this.shape.length === 0 ? this.data[0] : rec(0, 0);
  }

  toString(): string { return `Tensor(${this.dtype}, [${this.shape.join(', ')}])`; }
}

export function shapeSize(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what}: shape entries must be non-negative integers, got [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

const RAGGED_HINT = '; sequences of different lengths must first be padded to one length: sn.utils.padSequences(sequences, { maxLen })';

function flatten(values: unknown, out: number[], shape: number[], depth: number): void {
  if (Array.isArray(values)) {
    if (shape.length === depth) shape.push(values.length);
    else if (shape[depth] !== values.length) throw new Error(`tensor: ragged nested array at depth ${depth}: lengths ${shape[depth]} and ${values.length}${RAGGED_HINT}`);
    for (const v of values) flatten(v, out, shape, depth + 1);
  } else {
    if (typeof values !== 'number') throw new Error(`tensor: expected numbers, got ${typeof values}`);
    if (shape.length > depth) throw new Error(`tensor: ragged nested array at depth ${depth}${RAGGED_HINT}`);
    out.push(values);
  }
}

/**
 * sn.tensor(values, shape?, dtype?) — values: Float32Array | Int32Array | number[] | nested arrays.
 */
export function tensor(values: TypedData | ArrayLike<number> | unknown[], shape?: readonly number[], dtype?: DType): Tensor {
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'int32') throw new Error(`tensor: dtype must be 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
  let data: TypedData;
  let inferred: number[];
  if (values instanceof Float32Array || values instanceof Int32Array) {
    data = values;
    inferred = [values.length];
  } else if (Array.isArray(values)) {
    const flat: number[] = [];
    inferred = [];
    flatten(values, flat, inferred, 0);
    data = dtype === 'int32' ? Int32Array.from(flat) : Float32Array.from(flat);
  } else if (values && typeof (values as ArrayLike<number>).length === 'number') {
    data = dtype === 'int32' ? Int32Array.from(values as ArrayLike<number>) : Float32Array.from(values as ArrayLike<number>);
    inferred = [data.length];
  } else {
    throw new Error(`tensor: values must be a Float32Array, Int32Array or (nested) number array, got ${typeof values}`);
  }
  if (dtype === 'int32' && data instanceof Float32Array) data = Int32Array.from(data);
  if (dtype === 'float32' && data instanceof Int32Array) data = Float32Array.from(data);
  return new Tensor(data, shape ?? inferred);
}

/**
 * Index of the first NaN or ±Infinity in data, -1 if none. A plain loop: findIndex with a callback costs
 * about 5 ms per million values here, which a model load paid twice (its weights file, then setWeights).
 */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return i; // NaN - NaN and Infinity - Infinity are NaN; every finite v gives 0
  }
  return -1;
}
