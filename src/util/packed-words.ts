// A flat layout for data kept in the boot cache and opened in place (views, no copies): header
// words, a byte blob padded to 4 bytes, then 32-bit arrays back to back, all native-endian (the
// cache never leaves the machine that wrote it).

const pad4 = (n: number): number => (n + 3) & ~3;

/** `header`, `blob` and `arrays` in one buffer; the header must say the blob's and arrays' lengths. */
export function packWords(header: readonly number[], blob: Uint8Array, arrays: readonly Uint32Array[]): Uint8Array {
  const blobAt = header.length * 4;
  let w = (blobAt + pad4(blob.length)) >>> 2;
  const out = new Uint8Array((w + arrays.reduce((n, a) => n + a.length, 0)) * 4);
  const words = new Uint32Array(out.buffer);
  words.set(header);
  out.set(blob, blobAt);
  for (const a of arrays) {
    words.set(a, w);
    w += a.length;
  }
  return out;
}

/** Views into a buffer made by packWords. */
export interface PackedWords {
  header: Uint32Array;
  blob: Uint8Array;
  /** The next `n` words after the blob (or after the previous take). */
  take(n: number): Uint32Array;
}

/**
 * Opens a buffer made by packWords with `headerWords` header words; `sizes` says, from the
 * header, the blob's length and how many array words follow. Null when the buffer's length
 * does not match (cut short, another layout).
 */
export function unpackWords(
  bytes: Uint8Array,
  headerWords: number,
  sizes: (header: Uint32Array) => { blobBytes: number; words: number },
): PackedWords | null {
  const data = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  if (data.length < headerWords * 4 || data.length % 4 !== 0) return null;
  const all = new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2);
  const header = all.subarray(0, headerWords);
  const { blobBytes, words } = sizes(header);
  let w = headerWords + (pad4(blobBytes) >>> 2);
  if (w + words !== all.length) return null;
  return {
    header,
    blob: data.subarray(headerWords * 4, headerWords * 4 + blobBytes),
    take(n) {
      const a = all.subarray(w, w + n);
      w += n;
      return a;
    },
  };
}
