// jpeg-js' decoder on its own (its index also loads the encoder, which decoding never needs).
declare module 'jpeg-js/lib/decoder.js' {
  import type { decode } from 'jpeg-js';
  const decodeJpeg: typeof decode;
  export default decodeJpeg;
}
