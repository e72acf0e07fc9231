// Symbol tables of an ELF object (.symtab, else the separate debug file's, plus .dynsym with
// GNU symbol versions) for uprobe targets, and an address index for symbolization. Parsed
// once per object and kept: ElfObject.get(path) caches by path.

import { findSeparateDebugFile } from './debug-paths.ts';
import { cstr, ElfFile, ET_EXEC, type SectionHeader, SHT_DYNSYM, SHT_SYMTAB } from './elf.ts';
import { buildId } from './notes.ts';

export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_GNU_IFUNC = 10;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export interface ElfSymbol {
  /** The name as stored (`memcpy`), without version. */
  name: string;
  /** GNU version (`GLIBC_2.14`) for .dynsym entries that have one. */
  version: string | null;
  /** Whether the version is the default one (`name@@VER`). */
  defaultVersion: boolean;
  value: number;
  size: number;
  type: number;
  bind: number;
  fromDynsym: boolean;
}

/** Whether `path` is loaded at an address chosen at run time (PIE executables, shared libraries). */
export function isPositionIndependent(path: string): boolean {
  return ElfObject.get(path).elf.type !== ET_EXEC;
}

export function isFunction(s: ElfSymbol): boolean {
  return (s.type === STT_FUNC || s.type === STT_GNU_IFUNC) && s.value !== 0;
}

/** GNU version names by version index, from .gnu.version_d (definitions) and _r (needs). */
function versionNames(elf: ElfFile, dynstr: Buffer): Map<number, string> {
  const names = new Map<number, string>();
  const verdef = elf.section('.gnu.version_d');
  if (verdef) {
    const b = elf.sectionData(verdef);
    const dv = elf.view(b);
    let off = 0;
    for (let i = 0; i < verdef.info && off + 20 <= b.length; i++) {
      const ndx = dv.getUint16(off + 4, true);
      const aux = dv.getUint32(off + 12, true);
      const next = dv.getUint32(off + 16, true);
      if (off + aux + 8 <= b.length) names.set(ndx, cstr(dynstr, dv.getUint32(off + aux, true)));
      if (!next) break;
      off += next;
    }
  }
  const verneed = elf.section('.gnu.version_r');
  if (verneed) {
    const b = elf.sectionData(verneed);
    const dv = elf.view(b);
    let off = 0;
    for (let i = 0; i < verneed.info && off + 16 <= b.length; i++) {
      const cnt = dv.getUint16(off + 2, true);
      let aux = off + dv.getUint32(off + 8, true);
      for (let j = 0; j < cnt && aux + 16 <= b.length; j++) {
        names.set(dv.getUint16(aux + 6, true) & 0x7fff, cstr(dynstr, dv.getUint32(aux + 8, true)));
        const n = dv.getUint32(aux + 12, true);
        if (!n) break;
        aux += n;
      }
      const next = dv.getUint32(off + 12, true);
      if (!next) break;
      off += next;
    }
  }
  return names;
}

function readTable(elf: ElfFile, sh: SectionHeader, out: ElfSymbol[]): void {
  const strtab = elf.sections[sh.link];
  if (!strtab) return;
  const strs = elf.sectionData(strtab);
  const data = elf.sectionData(sh);
  const dv = elf.view(data);
  const dyn = sh.type === SHT_DYNSYM;
  let versyms: DataView | null = null;
  let vnames: Map<number, string> | null = null;
  if (dyn) {
    const vs = elf.section('.gnu.version');
    if (vs) {
      versyms = elf.view(elf.sectionData(vs));
      vnames = versionNames(elf, strs);
    }
  }
  const n = Math.floor(data.length / 24);
  for (let i = 1; i < n; i++) {
    const o = i * 24;
    const info = data[o + 4] as number;
    const shndx = dv.getUint16(o + 6, true);
    if (shndx === 0) continue; // undefined: imported from another object
    const nameOff = dv.getUint32(o, true);
    if (nameOff === 0) continue;
    let version: string | null = null;
    let def = false;
    if (versyms && vnames && (i + 1) * 2 <= versyms.byteLength) {
      const v = versyms.getUint16(i * 2, true);
      const idx = v & 0x7fff;
      if (idx > 1) {
        version = vnames.get(idx) ?? null;
        def = (v & 0x8000) === 0;
      }
    }
    out.push({
      name: cstr(strs, nameOff),
      version,
      defaultVersion: def,
      value: Number(dv.getBigUint64(o + 8, true)),
      size: Number(dv.getBigUint64(o + 16, true)),
      type: info & 0xf,
      bind: info >> 4,
      fromDynsym: dyn,
    });
  }
}

/** An ELF object with its symbols, read lazily and cached per path. */
export class ElfObject {
  private static readonly cache = new Map<string, ElfObject>();
  private syms: ElfSymbol[] | null = null;
  private sortedFuncs: ElfSymbol[] | null = null;
  private byName: Map<string, ElfSymbol[]> | null = null;
  private id: string | null | undefined;

  private constructor(readonly elf: ElfFile) {}

  get path(): string {
    return this.elf.path;
  }

  static get(path: string): ElfObject {
    let o = ElfObject.cache.get(path);
    if (!o) {
      o = new ElfObject(ElfFile.open(path));
      ElfObject.cache.set(path, o);
    }
    return o;
  }

  buildId(): string | null {
    if (this.id === undefined) this.id = buildId(this.elf);
    return this.id;
  }

  /** Whether the object has a full symbol table (here or in a separate debug file). */
  hasSymtab(): boolean {
    if (this.elf.sections.some((s) => s.type === SHT_SYMTAB)) return true;
    const dbg = this.debugFile();
    dbg?.close();
    return dbg !== null;
  }

  /** The separate debug file with a .symtab (build id or debuglink on the debug info search path). */
  private debugFile(): ElfFile | null {
    try {
      return findSeparateDebugFile(this.path, this.elf, (f) => f.sections.some((s) => s.type === SHT_SYMTAB))?.elf ?? null;
    } catch {
      return null;
    }
  }

  /** All defined symbols: .symtab (or the debug file's), then .dynsym entries not in it. */
  symbols(): ElfSymbol[] {
    if (this.syms) return this.syms;
    const out: ElfSymbol[] = [];
    let symtab = this.elf.sections.find((s) => s.type === SHT_SYMTAB);
    let src = this.elf;
    if (!symtab) {
      const dbg = this.debugFile();
      const s = dbg?.sections.find((x) => x.type === SHT_SYMTAB);
      if (dbg && s) {
        src = dbg;
        symtab = s;
      }
    }
    if (symtab) readTable(src, symtab, out);
    if (src !== this.elf) src.close();
    const dynsym = this.elf.sections.find((s) => s.type === SHT_DYNSYM);
    if (dynsym) {
      const dyn: ElfSymbol[] = [];
      readTable(this.elf, dynsym, dyn);
      if (out.length === 0) out.push(...dyn);
      else {
        // .symtab has the same entries without versions: take the versions from .dynsym.
        const seen = new Map<string, ElfSymbol>();
        for (const s of out) seen.set(`${s.name}\0${s.value}`, s);
        for (const d of dyn) {
          const s = seen.get(`${d.name}\0${d.value}`);
          if (!s) out.push(d);
          else if (d.version && !s.version) {
            s.version = d.version;
            s.defaultVersion = d.defaultVersion;
          }
        }
      }
    }
    this.syms = out;
    return out;
  }

  /** Function symbols named `name` (`name@VER` / `name@@VER` selects a version). */
  findFunctions(name: string): ElfSymbol[] {
    if (!this.byName) {
      this.byName = new Map();
      for (const s of this.symbols()) {
        if (!isFunction(s)) continue;
        const l = this.byName.get(s.name);
        if (l) l.push(s);
        else this.byName.set(s.name, [s]);
      }
    }
    const at = name.indexOf('@');
    if (at <= 0) return this.byName.get(name) ?? [];
    const base = name.slice(0, at);
    const ver = name.slice(at).replace(/^@@?/, '');
    return (this.byName.get(base) ?? []).filter((s) => s.version === ver);
  }

  /** Function symbols sorted by address (sized ones first among equals), for lookups. */
  private funcsByAddr(): ElfSymbol[] {
    if (!this.sortedFuncs) {
      this.sortedFuncs = this.symbols()
        .filter(isFunction)
        .sort((a, b) => a.value - b.value || b.size - a.size || a.bind - b.bind);
    }
    return this.sortedFuncs;
  }

  /**
   * The function containing virtual address `addr` (as linked): the last symbol starting at
   * or below it whose size covers it (or, for unsized symbols, the nearest one below).
   */
  symbolAt(addr: number): { sym: ElfSymbol; offset: number } | null {
    const fs = this.funcsByAddr();
    let lo = 0;
    let hi = fs.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((fs[mid] as ElfSymbol).value <= addr) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let i = best; i >= 0 && i > best - 8; i--) {
      const s = fs[i] as ElfSymbol;
      if (addr < s.value + Math.max(s.size, 1) || (s.size === 0 && i === best)) {
        // Prefer the first of several names at this address (aliases), as bcc does.
        let j = i;
        while (j > 0 && (fs[j - 1] as ElfSymbol).value === s.value && (fs[j - 1] as ElfSymbol).size === s.size) j--;
        const hit = fs[j] as ElfSymbol;
        return { sym: hit, offset: addr - hit.value };
      }
    }
    return null;
  }
}
