// Name lookup over raw byte buffers without creating a JS string per entry.
// Decoding ~100k names into a Map costs tens of milliseconds; hashing the bytes in place
// and comparing bytes on lookup costs a few. Used by the BTF index and by kallsyms.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of bytes[start, end). Never returns 0, so 0 can mean "no name". */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  return h >>> 0 || 1;
}

const encoder = new TextEncoder();

export function encodeName(name: string): Uint8Array {
  return encoder.encode(name);
}

/** Whether bytes[start, end) holds exactly `query`. */
export function bytesEqual(bytes: Uint8Array, start: number, end: number, query: Uint8Array): boolean {
  if (end - start !== query.length) return false;
  for (let i = 0; i < query.length; i++) if (bytes[start + i] !== query[i]) return false;
  return true;
}

/**
 * Hash chains over a list of (entry, hash) pairs. Chains keep the list order, so when the
 * list is in ascending entry order lookups see the lowest entry first (what "the first type
 * named X" means in BTF).
 */
export class HashChains {
  private readonly mask: number;
  /** Bucket -> first pair index + 1 (0 = empty). */
  private readonly heads: Uint32Array;
  /** Pair index -> next pair index + 1 in the same bucket (0 = end). */
  private readonly nexts: Uint32Array;

  constructor(
    private readonly entries: Uint32Array,
    private readonly hashes: Uint32Array,
    count: number,
  ) {
    let size = 1024;
    while (size < count * 2) size *= 2;
    this.mask = size - 1;
    this.heads = new Uint32Array(size);
    this.nexts = new Uint32Array(count);
    // Insert back to front so each chain reads front to back.
    for (let i = count - 1; i >= 0; i--) {
      const b = hashes[i] & this.mask;
      this.nexts[i] = this.heads[b];
      this.heads[b] = i + 1;
    }
  }

  /** Calls `visit` with each entry whose hash equals `hash`, in list order, until it returns true. */
  find(hash: number, visit: (entry: number) => boolean): void {
    let e = this.heads[hash & this.mask];
    while (e !== 0) {
      const i = e - 1;
      if (this.hashes[i] === hash && visit(this.entries[i])) return;
      e = this.nexts[i];
    }
  }
}
