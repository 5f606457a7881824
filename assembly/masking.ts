// Keras' Masking layer over rows of `cols` features (a sequence's steps): a step whose every feature equals
// maskValue is padding. mask[r] = 1 if any feature of row r differs from maskValue, else 0; y = x · mask[r]
// (Keras zeroes the padded steps' values too), and backward passes dy · mask[r].

export function masking_forward(y: usize, mask: usize, x: usize, rows: i32, cols: i32, maskValue: f32): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * cols << 2;
    let keep = false;
    for (let j = 0; j < cols && !keep; j++) keep = load<f32>(x + row + (<usize>j << 2)) != maskValue;
    const m: f32 = keep ? 1 : 0;
    store<f32>(mask + (<usize>r << 2), m);
    for (let j = 0; j < cols; j++) store<f32>(y + row + (<usize>j << 2), keep ? load<f32>(x + row + (<usize>j << 2)) : 0);
  }
}

export function masking_backward(dx: usize, dy: usize, mask: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * cols << 2;
    const keep = load<f32>(mask + (<usize>r << 2)) != 0;
    for (let j = 0; j < cols; j++) store<f32>(dx + row + (<usize>j << 2), keep ? load<f32>(dy + row + (<usize>j << 2)) : 0);
  }
}
