// available_filter_functions indexed by function name, for scripts that name functions one by
// one (`fentry:a, fentry:b, ...`): each name is looked up by its hash instead of a search
// through the ~1.5 MiB text. Built once per boot and kept, text included, in the boot cache
// (symbol-sources.ts), where a run maps it and touches a few pages per name.

import { encodeName, HashChains, hashBytes } from '../../btf/name-hash.ts';
import { packWords, unpackWords } from '../../util/packed-words.ts';

/** 'FIDX'. */
const MAGIC = 0x58444946;
/** Bumped whenever the layout changes. */
export const FILTER_INDEX_VERSION = 1;
/** magic, version, text bytes, lines, buckets. */
const HEADER_WORDS = 5;

const NEWLINE = 10;
const SPACE = 32;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/** The index of `text` (the file's bytes: lines `name` or `name [module]`), text included. */
export function buildFilterIndex(text: Uint8Array): Uint8Array {
  const starts: number[] = [];
  const hashes: number[] = [];
  for (let at = 0; at < text.length; ) {
    let end = at;
    while (end < text.length && text[end] !== NEWLINE && text[end] !== SPACE) end++;
    if (end > at) {
      starts.push(at);
      hashes.push(hashBytes(text, at, end));
    }
    const eol = text.indexOf(NEWLINE, end);
    at = eol < 0 ? text.length : eol + 1;
  }
  const chains = HashChains.build(Uint32Array.from(starts), Uint32Array.from(hashes), starts.length);
  return packWords([MAGIC, FILTER_INDEX_VERSION, text.length, ...chains.sizes], text, chains.storedArrays());
}

export class FilterIndex {
  private constructor(
    private readonly text: Uint8Array,
    private readonly chains: HashChains,
  ) {}

  /** Opens what buildFilterIndex made; null when it is not that (another version, cut short). */
  static open(bytes: Uint8Array): FilterIndex | null {
    const p = unpackWords(bytes, HEADER_WORDS, (h) => ({ blobBytes: h[2], words: h[3] * 3 + h[4] }));
    if (!p || p.header[0] !== MAGIC || p.header[1] !== FILTER_INDEX_VERSION) return null;
    const chains = HashChains.stored(p.take, p.header[3], p.header[4]);
    return chains ? new FilterIndex(p.blob, chains) : null;
  }

  /**
   * The modules of the lines `name` ('vmlinux') and `name [module]`, in file order, each once:
   * what a scan of the text finds for the name.
   */
  modulesOf(name: string): string[] {
    const out: string[] = [];
    const query = encodeName(name);
    if (query.length === 0) return out;
    const text = this.text;
    this.chains.find(hashBytes(query, 0, query.length), (at) => {
      const end = at + query.length;
      for (let i = 0; i < query.length; i++) if (text[at + i] !== query[i]) return false;
      const module = moduleAfter(text, end);
      if (module !== null && !out.includes(module)) out.push(module);
      return false;
    });
    return out;
  }
}

/** What follows a name on its line: nothing ('vmlinux'), ` [module]`, or something else (null). */
function moduleAfter(text: Uint8Array, end: number): string | null {
  if (end >= text.length || text[end] === NEWLINE) return 'vmlinux';
  if (text[end] !== SPACE || text[end + 1] !== OPEN_BRACKET) return null;
  const eol = text.indexOf(NEWLINE, end);
  const close = (eol < 0 ? text.length : eol) - 1;
  if (close <= end + 2 || text[close] !== CLOSE_BRACKET) return null;
  const name = Buffer.from(text.buffer, text.byteOffset + end + 2, close - end - 2).toString('latin1');
  return name.includes(']') ? null : name;
}
