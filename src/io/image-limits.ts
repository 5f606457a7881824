// How large an image the decoders accept. A decompression bomb is a few bytes whose header declares a
// huge image: every decoder checks the header against these limits before it inflates or allocates
// anything, so such a file costs microseconds, not gigabytes. A 100-megapixel photo still decodes.

export const IMAGE_MAX_MEGAPIXELS = 100;
/** What decoding one image may allocate, all buffers of the decoder together. */
export const IMAGE_MAX_MEMORY_MB = 1024;

/**
 * Throws (through `fail`, which names the file) if a `format` image of width x height pixels, whose
 * decoding allocates about `memoryBytes`, is over the limits.
 */
export function checkImageLimits(format: string, width: number, height: number, memoryBytes: number,
                                 fail: (reason: string) => Error): void {
  const megapixels = (width * height) / 1e6; // jpeg-js' maxResolutionInMP counts 10^6 pixels too
  if (megapixels > IMAGE_MAX_MEGAPIXELS) {
    throw fail(`${format} of ${width}x${height} pixels (${megapixels.toFixed(1)} megapixels) is too large to decode: ` +
      `the limit is ${IMAGE_MAX_MEGAPIXELS} megapixels`);
  }
  const mb = memoryBytes / 2 ** 20;
  if (mb > IMAGE_MAX_MEMORY_MB) {
    throw fail(`${format} of ${width}x${height} pixels needs about ${Math.ceil(mb)} MB to decode: the limit is ${IMAGE_MAX_MEMORY_MB} MB`);
  }
}
