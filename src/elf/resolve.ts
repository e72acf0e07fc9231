// Finding the file behind a uprobe/USDT target: a path, a program name on PATH
// (`uprobe:bash:readline`), a library name (`uprobe:libc:malloc`, resolved through
// ld.so.cache or, with -p, the process's own mappings), or the objects a process has mapped.

import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { globToMatcher, hasWildcard } from '../probes/info/glob.ts';
import { ElfFile } from './elf.ts';
import { isNative, ldCache } from './ldcache.ts';

const STD_LIB_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

export interface Mapping {
  start: number;
  end: number;
  perms: string;
  offset: number;
  path: string;
}

/** /proc/PID/maps, parsed; null when the process is gone or unreadable. */
export function readMaps(pid: number): Mapping[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/maps`, 'latin1');
  } catch {
    return null;
  }
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    // start-end perms offset dev inode path
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      start: Number.parseInt(m[1] as string, 16),
      end: Number.parseInt(m[2] as string, 16),
      perms: m[3] as string,
      offset: Number.parseInt(m[4] as string, 16),
      path: m[5] as string,
    });
  }
  return out;
}

/**
 * The distinct files a process has mapped executable, in address order, as paths that reach
 * them from here (through /proc/PID/root when the process is in another mount namespace).
 */
export function processObjects(pid: number): string[] {
  const seen = new Set<string>();
  for (const m of readMaps(pid) ?? []) {
    if (m.perms[2] === 'x' && m.path.startsWith('/') && !m.path.endsWith(' (deleted)')) seen.add(m.path);
  }
  return [...seen].map((p) => pathForProcess(pid, p));
}

function mountNs(pid: number | 'self'): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return null;
  }
}

/** Whether a process sees another file system tree than we do (unknown counts as the same). */
export function inOtherMountNs(pid: number): boolean {
  const theirs = mountNs(pid);
  const ours = mountNs('self');
  return theirs !== null && ours !== null && theirs !== ours;
}

/** `path` as the process names it, reached from our mount namespace (bpftrace: /proc/PID/root/PATH). */
export function pathForProcess(pid: number, path: string): string {
  if (!inOtherMountNs(pid)) return path;
  return `/proc/${pid}/root${resolvePath(path)}`;
}

/** The PATH a process runs with (from its environment), or null. */
function processPath(pid: number): string | null {
  try {
    const vars = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    const v = vars.find((e) => e.startsWith('PATH='));
    return v === undefined ? null : v.slice(5);
  } catch {
    return null;
  }
}

/** Files matching a path glob (`./testprogs/uprobe*`, `/usr/lib/*\/libc.so.6`), one directory level per component, sorted. */
export function globFiles(pattern: string): string[] {
  // '' is the current directory, so `./a*` gives `./a1` and `a*` gives `a1`.
  let cur = [pattern.startsWith('/') ? '/' : ''];
  const comps = pattern.split('/').filter((c) => c !== '');
  const join = (dir: string, name: string): string => (dir === '' ? name : dir === '/' ? `/${name}` : `${dir}/${name}`);
  for (const c of comps) {
    const next: string[] = [];
    for (const dir of cur) {
      if (!hasWildcard(c)) {
        next.push(join(dir, c));
        continue;
      }
      const m = globToMatcher(c);
      let names: string[] = [];
      try {
        names = readdirSync(dir || '.');
      } catch {
        // not a directory
      }
      for (const n of names.sort()) if (m(n)) next.push(join(dir, n));
    }
    cur = next;
  }
  return cur;
}

/** The executable of a process (/proc/PID/exe). */
export function processExe(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/**
 * A library given as `libNAME` (bpftrace's rule: names starting with "lib" without a slash):
 * in the process's mappings when there is one, else the first ld.so.cache entry whose name
 * starts with "libNAME.so", else the standard directories.
 */
export function findLibrary(name: string, pid: number | null): string | null {
  const short = name.startsWith('lib') ? name.slice(3) : name;
  if (pid !== null) {
    for (const p of processObjects(pid)) {
      const base = p.slice(p.lastIndexOf('/') + 1);
      if (base.startsWith(`lib${short}.`) || base.startsWith(`lib${short}-`)) return p;
    }
  }
  const prefix = name.includes('.so') ? name : `lib${short}.so`;
  for (const e of ldCache()) if (isNative(e) && e.name.startsWith(prefix)) return e.path;
  for (const d of STD_LIB_DIRS) {
    for (const cand of [`${d}/${prefix}`, `${d}/${name}`]) if (existsSync(cand) && ElfFile.isElf(cand)) return cand;
  }
  return null;
}

/**
 * Candidate files for a target as bpftrace lists them: the name itself, then (without a
 * slash) each PATH directory; only ELF executables and shared objects count. Duplicates that
 * are the same file (/bin → /usr/bin) are dropped.
 */
export function resolveBinary(target: string, env: NodeJS.ProcessEnv = process.env, place: (c: string) => string = (c) => c): string[] {
  return uniqueFiles(binaryCandidates(target, env, place));
}

/** Every candidate of resolveBinary that is an ELF executable or shared object, the same file possibly more than once. */
export function binaryCandidates(target: string, env: NodeJS.ProcessEnv = process.env, place: (c: string) => string = (c) => c): string[] {
  const cands = [target];
  if (!target.includes('/')) for (const d of (env.PATH ?? '').split(':')) if (d) cands.push(`${d}/${target}`);
  return cands.map(place).filter((c) => ElfFile.isElf(c));
}

/** Paths less those naming a file an earlier one names (through symlinks), order kept. */
export function uniqueFiles(paths: string[]): string[] {
  const out: string[] = [];
  const real = new Set<string>();
  for (const c of paths) {
    let r = c;
    try {
      r = realpathSync(c);
    } catch {
      // keep the name
    }
    if (real.has(r)) continue;
    real.add(r);
    out.push(c);
  }
  return out;
}

/** Resolves a uprobe/USDT target to one file path, or null. `lib*` names go through findLibrary. */
export function resolveTarget(target: string, pid: number | null): string | null {
  if (!target.includes('/') && target.startsWith('lib')) {
    const lib = findLibrary(target, pid);
    if (lib) return lib;
  }
  if (pid !== null && inOtherMountNs(pid)) {
    // The process's own file system and PATH, as bpftrace reads them.
    const root = `/proc/${pid}/root`;
    const env = { PATH: processPath(pid) ?? '' };
    const hit = resolveBinary(target, env, (c) => `${root}${resolvePath(c)}`)[0];
    return hit ?? null;
  }
  return resolveBinary(target)[0] ?? null;
}

/**
 * The shared libraries an object needs (DT_NEEDED), found through its rpath/runpath
 * ($ORIGIN expanded), ld.so.cache and the standard directories, plus its interpreter.
 */
export function dependencies(path: string): string[] {
  let elf: ElfFile;
  try {
    elf = ElfFile.open(path);
  } catch {
    return [];
  }
  try {
    const out: string[] = [];
    const interp = elf.section('.interp');
    if (interp) out.push(elf.sectionData(interp).toString('latin1').replace(/\0.*$/s, ''));
    const dyn = elf.section('.dynamic');
    const dynstr = elf.section('.dynstr');
    if (!dyn || !dynstr) return out;
    const d = elf.sectionData(dyn);
    const strs = elf.sectionData(dynstr);
    const str = (off: number): string => {
      const end = strs.indexOf(0, off);
      return strs.toString('latin1', off, end < 0 ? strs.length : end);
    };
    const needed: string[] = [];
    const dirs: string[] = [];
    const origin = path.slice(0, path.lastIndexOf('/')) || '/';
    for (let i = 0; i + 16 <= d.length; i += 16) {
      const tag = Number(d.readBigInt64LE(i));
      const val = Number(d.readBigUint64LE(i + 8));
      if (tag === 0) break;
      if (tag === 1) needed.push(str(val));
      else if (tag === 15 || tag === 29) for (const p of str(val).split(':')) dirs.push(p.replace(/\$\{?ORIGIN\}?/g, origin));
    }
    const cache = ldCache();
    for (const n of needed) {
      const hit =
        dirs.map((dir) => `${dir}/${n}`).find((p) => existsSync(p)) ??
        cache.find((e) => isNative(e) && e.name === n)?.path ??
        STD_LIB_DIRS.map((dir) => `${dir}/${n}`).find((p) => existsSync(p));
      if (hit) out.push(hit);
    }
    return out;
  } finally {
    elf.close();
  }
}
