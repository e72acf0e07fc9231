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

/** The arrays a HashChains is made of, for storing one and opening it again (btf/snapshot.ts). */
export interface HashChainArrays {
  entries: Uint32Array;
  hashes: Uint32Array;
  /** Bucket -> first pair index + 1 (0 = empty); a power-of-two length. */
  heads: Uint32Array;
  /** Pair index -> next pair index + 1 in the same bucket (0 = end). */
  nexts: Uint32Array;
}

/** Whether stored arrays have the shape of chains: equal lengths and a power-of-two bucket count. */
function wellShaped({ entries, hashes, heads, nexts }: HashChainArrays): boolean {
  const n = entries.length;
  return heads.length > 0 && (heads.length & (heads.length - 1)) === 0 && hashes.length === n && nexts.length === n;
}

/**
 * Hash chains over a list of (entry, hash) pairs. Chains keep the list order, so when the
 * list is in ascending entry order lookups see the lowest entry first (what "the first type
 * named X" means in BTF).
 */
export class HashChains {
  private readonly mask: number;

  private constructor(private readonly a: HashChainArrays) {
    this.mask = a.heads.length - 1;
  }

  /** Chains over the first `count` pairs. */
  static build(entries: Uint32Array, hashes: Uint32Array, count: number): HashChains {
    let size = 1024;
    while (size < count * 2) size *= 2;
    const mask = size - 1;
    const heads = new Uint32Array(size);
    const nexts = new Uint32Array(count);
    // Insert back to front so each chain reads front to back.
    for (let i = count - 1; i >= 0; i--) {
      const b = hashes[i] & mask;
      nexts[i] = heads[b];
      heads[b] = i + 1;
    }
    return new HashChains({ entries: entries.subarray(0, count), hashes: hashes.subarray(0, count), heads, nexts });
  }

  /**
   * Chains made of stored arrays (from `arrays()`); null when their shape is wrong. Their
   * contents are not checked (that would cost as much as building them): `find` stays bounded
   * on any contents, the answers are only as good as the arrays.
   */
  static fromArrays(arrays: HashChainArrays): HashChains | null {
    return wellShaped(arrays) ? new HashChains(arrays) : null;
  }

  /** What the chains are made of (shared, not copied). */
  arrays(): HashChainArrays {
    return this.a;
  }

  /** Pairs and buckets: what `stored` needs to be told to take the arrays back. */
  get sizes(): [pairs: number, buckets: number] {
    return [this.a.entries.length, this.a.heads.length];
  }

  /** The arrays in the order `stored` takes them back. */
  storedArrays(): Uint32Array[] {
    return [this.a.entries, this.a.hashes, this.a.heads, this.a.nexts];
  }

  /** Chains from arrays stored by `storedArrays`, taken in order by `take`; null when malformed. */
  static stored(take: (n: number) => Uint32Array, pairs: number, buckets: number): HashChains | null {
    return HashChains.fromArrays({ entries: take(pairs), hashes: take(pairs), heads: take(buckets), nexts: take(pairs) });
  }

  /** Calls `visit` with each entry whose hash equals `hash`, in list order, until it returns true. */
  find(hash: number, visit: (entry: number) => boolean): void {
    const { heads, nexts, hashes, entries } = this.a;
    let e = heads[hash & this.mask];
    // A chain is at most every pair long; the bound keeps a walk over damaged arrays finite.
    for (let steps = 0; e !== 0 && e !== undefined && steps < nexts.length; steps++) {
      const i = e - 1;
      if (hashes[i] === hash && visit(entries[i])) return;
      e = nexts[i];
    }
  }
}
