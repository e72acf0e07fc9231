// Where probe names come from for listings: tracefs (available_events,
// available_filter_functions), /proc/kallsyms as a fallback, and BTF (kfunc/fentry,
// rawtracepoint, iter). Each source is read once per process.

import { readFileSync } from 'node:fs';
import { mapOrRead } from '../../bpf/mapped-file.ts';
import { type Btf, listModuleBtfs, loadKernelBtf, loadModuleBtf } from '../../btf/btf.ts';
import { loadKallsyms } from '../../runtime/ksyms.ts';
import { BOOT_CACHE_DIR, bootCacheEntry, readBootCached } from '../../util/boot-cache.ts';
import { tracefsPath } from '../../util/tracefs.ts';
import { MAX_TRAMPOLINE_ARGS } from '../kernel/btf-func.ts';
import { buildFilterIndex, FILTER_INDEX_VERSION, FilterIndex } from './filter-index.ts';
import { globToRegExpSource, hasWildcard } from './glob.ts';
import { listTracepoints } from './tracepoint-format.ts';

/** Function name -> modules that define it ('vmlinux' for the core kernel), in file order. */
export type TraceableFunctions = Map<string, string[]>;

let traceable: TraceableFunctions | null = null;

function addModule(map: Map<string, string[]>, name: string, module: string): void {
  const mods = map.get(name);
  if (!mods) map.set(name, [module]);
  else if (!mods.includes(module)) mods.push(module);
}

/** Errors from fs calls carry a code; bpftrace prints strerror text, so map the common ones. */
export function strerror(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EPERM':
      return 'Operation not permitted';
    case 'EACCES':
      return 'Permission denied';
    default:
      return code ?? String(e);
  }
}

let filterText: string | null | undefined;

/**
 * available_filter_functions' text, read once (null when it can't be read: no dynamic ftrace,
 * or a kernel that forbids it). Lines are `name` or `name [module]`.
 */
function availableFilterText(): string | null {
  if (filterText !== undefined) return filterText;
  try {
    filterText = readBootCached('available_filter_functions', () => readFileSync(`${tracefsPath()}/available_filter_functions`, 'latin1'));
  } catch {
    filterText = null;
  }
  return filterText;
}

/** Test hook: use this text as available_filter_functions (null: unreadable; undefined: the kernel's). */
export function setAvailableFilterText(text: string | null | undefined): void {
  filterText = text;
  traceable = null;
  // The stored index is the kernel's text's: not for a text set here.
  filterIndex = text === undefined ? undefined : null;
}

let filterIndex: FilterIndex | null | undefined;

/**
 * The kernel's available_filter_functions indexed by name, from the boot cache (built and
 * stored on first use); null without a usable boot cache, where the text is searched instead.
 */
function availableFilterIndex(): FilterIndex | null {
  if (filterIndex !== undefined) return filterIndex;
  filterIndex = null;
  const entry = bootCacheEntry(`available_filter_functions.index.${FILTER_INDEX_VERSION}`, BOOT_CACHE_DIR, mapOrRead);
  if (!entry) return null;
  filterIndex = entry.cached ? FilterIndex.open(entry.cached) : null;
  if (filterIndex) return filterIndex;
  const text = availableFilterText();
  if (text === null) return null;
  const built = buildFilterIndex(Buffer.from(text, 'latin1'));
  entry.store(built);
  filterIndex = FilterIndex.open(built);
  return filterIndex;
}

/**
 * Functions kprobes and kfuncs may attach to: available_filter_functions, or when that file
 * cannot be read, the text symbols of /proc/kallsyms minus the ones that are never entry points
 * (a superset of what ftrace can really trace).
 */
export function traceableFunctions(): TraceableFunctions {
  if (traceable) return traceable;
  const modules = new Map<string, string[]>();
  const text = availableFilterText();
  if (text !== null) {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const sp = line.endsWith(']') ? line.lastIndexOf(' [') : -1;
      if (sp < 0) addModule(modules, line, 'vmlinux');
      else addModule(modules, line.slice(0, sp), line.slice(sp + 2, -1));
    }
  } else {
    for (const f of loadKallsyms().functions()) {
      if (isLikelyTraceable(f.name)) addModule(modules, f.name, f.module ?? 'vmlinux');
    }
  }
  traceable = modules;
  return modules;
}

/**
 * The traceable functions whose names match a glob, with their modules: what
 * `traceableFunctions()` has for them. A script naming one function or a prefix wildcard needs a
 * few lines of available_filter_functions (~50k), so they are found by one native regex scan of
 * the file instead of building the whole table (which costs seconds on a slow CPU).
 */
export function traceableMatching(glob: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const plain = !hasWildcard(glob) && !glob.includes('\\');
  const index = plain && !traceable ? availableFilterIndex() : null;
  if (index) {
    for (const m of index.modulesOf(glob)) addModule(out, glob, m);
    return out;
  }
  const text = traceable ? null : availableFilterText();
  if (text !== null && plain) {
    linesNaming(text, glob, out);
    return out;
  }
  const source = globToRegExpSource(glob);
  if (text === null) {
    const re = new RegExp(`^(?:${source})$`);
    for (const [name, mods] of traceableFunctions()) if (re.test(name)) out.set(name, mods);
    return out;
  }
  // In the file scan a wildcard must stay inside one name: names hold no blank or line break,
  // and a `*` free to run past them would take a line's ` [module]` for part of the name.
  // (Every `[^` of the source is a wildcard's or a negated class's: literal brackets are escaped.)
  const inName = source.replaceAll('[^', '[^ \\n');
  const re = new RegExp(`^(${inName})(?: \\[([^\\]\n]+)\\])?$`, 'gm');
  // A glob that matches the empty string (`*`) also matches the end of the text after the last line.
  for (const m of text.matchAll(re)) if (m[1]) addModule(out, m[1], m[2] ?? 'vmlinux');
  return out;
}

/**
 * The lines of available_filter_functions' text that are `name` or `name [module]`, into `out`.
 * A plain name is found with indexOf, which skips through the text far faster than a regex
 * anchored at every line start (a script naming 22 functions scanned the file 22 times).
 */
function linesNaming(text: string, name: string, out: Map<string, string[]>): void {
  if (name === '') return;
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    if (at > 0 && text.charCodeAt(at - 1) !== NEWLINE) continue;
    const end = at + name.length;
    const eol = text.indexOf('\n', end);
    const line = eol < 0 ? text.length : eol;
    if (end === line) addModule(out, name, 'vmlinux');
    else if (text.startsWith(' [', end) && text.charCodeAt(line - 1) === CLOSE_BRACKET && line - 1 > end + 2) {
      const module = text.slice(end + 2, line - 1);
      if (!module.includes(']')) addModule(out, name, module);
    }
  }
}

const NEWLINE = 10;
const CLOSE_BRACKET = 93;

/** Text symbols that are not function entries ftrace could hook. */
function isLikelyTraceable(name: string): boolean {
  // Assembler-local labels (`.slowpath`), padding and CFI stubs in front of functions, static
  // call trampolines, and the cold split-off parts of functions.
  if (name.startsWith('.') || name.startsWith('__pfx_') || name.startsWith('__cfi_')) return false;
  if (name.startsWith('__SCT__')) return false;
  if (name.endsWith('.cold') || name.includes('.cold.')) return false;
  return true;
}

/**
 * Kprobe candidates as `bpftrace -l` matches them: names with any `[module]` dropped, minus
 * the `.part.N` pieces bpftrace skips. Sorted and unique.
 */
export function kprobeFunctionNames(): string[] {
  const names: string[] = [];
  for (const name of traceableFunctions().keys()) if (!name.includes('.part.')) names.push(name);
  return names.sort(compareBytes);
}

let events: string[] | null = null;

/** `category:event` for every tracepoint: available_events, else a walk of events/. */
export function tracepointNames(): string[] {
  if (events) return events;
  let list: string[];
  try {
    list = readFileSync(`${tracefsPath()}/available_events`, 'latin1')
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    list = listTracepoints().map((t) => `${t.category}:${t.name}`);
  }
  events = list;
  return list;
}

let moduleNames: string[] | null = null;

/** Which BTF objects (by module name, 'vmlinux' for the core kernel) a caller wants. */
export type ModuleFilter = (module: string) => boolean;

const everyModule: ModuleFilter = () => true;

/**
 * The kernel's BTF objects that `want` names: vmlinux first, then modules in name order. Each
 * is read once per process, and only when wanted: a vmlinux-only pattern opens no module.
 */
export function allBtfs(want: ModuleFilter = everyModule): Btf[] {
  const out = want('vmlinux') ? [loadKernelBtf()] : [];
  moduleNames ??= listModuleBtfs();
  for (const m of moduleNames) {
    if (!want(m)) continue;
    try {
      out.push(loadModuleBtf(m));
    } catch {
      // A module can go away between readdir and open; it then simply has no functions.
    }
  }
  return out;
}

/** Names found by one scan of each BTF object, kept per object for the rest of the run. */
function perBtf(cache: WeakMap<Btf, string[]>, btf: Btf, scan: (btf: Btf) => string[]): string[] {
  let names = cache.get(btf);
  if (!names) {
    names = scan(btf);
    cache.set(btf, names);
  }
  return names;
}

function protoParamCount(btf: Btf, funcId: number): number {
  const proto = btf.get(btf.getAs(funcId, 'func').type);
  return proto.kind === 'func_proto' ? proto.params.length + (proto.variadic ? 1 : 0) : -1;
}

const btfFunctions = new WeakMap<Btf, string[]>();

/** `module:function` for every BTF function a kfunc/fentry probe could attach to. */
export function btfFunctionNames(want: ModuleFilter = everyModule): string[] {
  const modules = traceableFunctions();
  return allBtfs(want).flatMap((btf) =>
    perBtf(btfFunctions, btf, () => {
      const out: string[] = [];
      for (const id of btf.ids('func')) {
        const name = btf.nameOf(id);
        if (!modules.get(name)?.includes(btf.name)) continue;
        const n = protoParamCount(btf, id);
        if (n < 0 || n > MAX_TRAMPOLINE_ARGS) continue;
        out.push(`${btf.name}:${name}`);
      }
      return out;
    }),
  );
}

/** Kernel stubs whose BTF carries a raw tracepoint's argument names (bpftrace 0.26). */
export const RAW_TP_PREFIXES = ['__probestub_', '__traceiter_'] as const;

const rawTracepoints = new WeakMap<Btf, string[]>();

/** `module:tracepoint` for every raw tracepoint found in the BTF of the wanted modules, sorted and unique. */
export function rawTracepointNames(want: ModuleFilter = everyModule): string[] {
  const set = new Set<string>();
  for (const btf of allBtfs(want)) {
    const names = perBtf(rawTracepoints, btf, () => {
      const out: string[] = [];
      for (const id of btf.ids('func')) {
        const name = btf.nameOf(id);
        const prefix = RAW_TP_PREFIXES.find((p) => name.startsWith(p));
        if (!prefix || protoParamCount(btf, id) > MAX_TRAMPOLINE_ARGS) continue;
        out.push(`${btf.name}:${name.slice(prefix.length)}`);
      }
      return out;
    });
    for (const n of names) set.add(n);
  }
  return [...set].sort(compareBytes);
}

/** Iterator names from BTF `struct bpf_iter__<name>` (bpftrace 0.26). */
export function btfIterNames(): string[] {
  const set = new Set<string>();
  const btf = loadKernelBtf();
  for (const id of btf.ids('struct')) {
    const name = btf.nameOf(id);
    if (name.startsWith('bpf_iter__') && !name.endsWith('__safe_trusted')) set.add(name.slice('bpf_iter__'.length));
  }
  return [...set].sort(compareBytes);
}

/** Byte order, as std::set<std::string> sorts (the order bpftrace prints listings in). */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
