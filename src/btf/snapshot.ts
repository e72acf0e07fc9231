// A BTF blob stored together with the index opening it computed (record offsets, name hash
// chains, FUNC names included), so the next run opens it without a pass over the types. The
// running kernel's vmlinux BTF is kept this way in the boot cache (util/boot-cache.ts): reading
// it from sysfs takes a system call per page and indexing it a pass over ~130k records, which
// together cost ~0.4 s on an emulated CPU; the stored copy is mapped and opens at once.
//
// The index is trusted as stored (checking every entry would cost what building it does): the
// cache directory is root's alone and files in it are replaced whole; the version below and
// the lengths are checked, and lookups stay bounded whatever the contents.

import { packWords, unpackWords } from '../util/packed-words.ts';
import type { BtfIndex } from './btf.ts';
import { HashChains } from './name-hash.ts';

/** A blob with the index computed from it. */
export interface IndexedBlob {
  blob: Uint8Array;
  index: BtfIndex;
}

/** 'BTFS'. */
const MAGIC = 0x53465442;
/** Bumped whenever the layout, or what the index means, changes. */
export const SNAPSHOT_VERSION = 1;
/** magic, version, blob bytes, types, then pairs and buckets of the names and of the funcs. */
const HEADER_WORDS = 8;

/** The blob and its index in one buffer (see decodeBtfSnapshot). */
export function encodeBtfSnapshot({ blob, index }: IndexedBlob): Uint8Array {
  const { names, funcs, offsets } = index;
  return packWords([MAGIC, SNAPSHOT_VERSION, blob.length, offsets.length, ...names.sizes, ...funcs.sizes], blob, [
    offsets,
    ...names.storedArrays(),
    ...funcs.storedArrays(),
  ]);
}

/**
 * The blob and index of a snapshot made by encodeBtfSnapshot; null when it is not one (another
 * version, cut short). Views into `bytes`, not copies.
 */
export function decodeBtfSnapshot(bytes: Uint8Array): IndexedBlob | null {
  const p = unpackWords(bytes, HEADER_WORDS, (h) => ({
    blobBytes: h[2],
    words: h[3] + h[4] * 3 + h[5] + h[6] * 3 + h[7],
  }));
  if (!p || p.header[0] !== MAGIC || p.header[1] !== SNAPSHOT_VERSION) return null;
  const [, , , count, namePairs, nameBuckets, funcPairs, funcBuckets] = p.header;
  const offsets = p.take(count);
  const names = HashChains.stored(p.take, namePairs, nameBuckets);
  const funcs = HashChains.stored(p.take, funcPairs, funcBuckets);
  return names && funcs ? { blob: p.blob, index: { offsets, names, funcs } } : null;
}
