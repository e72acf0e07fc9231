// Config variables: defaults, the script's `config = { ... }` block, and BPFTRACE_* environment
// variables (which win over the block, as in bpftrace).

import type { ConfigBlock } from '../lang/ast.ts';
import type { Diagnostics } from '../lang/diagnostics.ts';
import type { StackMode } from './types.ts';
import type { UnstableMode } from './unstable.ts';

export interface Config {
  maxStrlen: number;
  maxMapKeys: number;
  onStackLimit: number;
  printMapsOnExit: boolean;
  missingProbes: 'error' | 'warn' | 'ignore';
  stackMode: StackMode;
  strTruncTrailer: string;
  maxCatBytes: number;
  license: string;
  logSize: number;
  /** Output ring size in pages; 0 picks it from the memory available, as bpftrace 0.26 does. */
  perfRbPages: number;
  cppDemangle: boolean;
  /** show_debug_info: file:line and inlined calls in user stacks, from DWARF (0.26 built with blazesym). */
  showDebugInfo: boolean;
  /** unstable_tseries / unstable_typeinfo: whether tseries() and typeinfo() may be used. */
  unstableTseries: UnstableMode;
  unstableTypeinfo: UnstableMode;
  /** Settings 0.26 takes that change nothing here (kept so `config.NAME` reads what was set). */
  unstableImportStatement: UnstableMode;
  unstableDwUstack: UnstableMode;
  lazySymbolication: boolean;
  useBlazesym: boolean;
  maxBpfProgs: number;
  maxProbes: number;
  cacheUserSymbols: 'per_pid' | 'per_program' | 'none';
}

export function defaultConfig(): Config {
  return {
    maxStrlen: 1024,
    maxMapKeys: 4096,
    onStackLimit: 32,
    printMapsOnExit: true,
    missingProbes: 'error',
    stackMode: 'bpftrace',
    strTruncTrailer: '..',
    maxCatBytes: 10240,
    license: 'GPL',
    logSize: 1000000,
    perfRbPages: 0,
    cppDemangle: true,
    showDebugInfo: true,
    unstableTseries: 'warn',
    unstableTypeinfo: 'error',
    unstableImportStatement: 'error',
    unstableDwUstack: 'warn',
    lazySymbolication: true,
    useBlazesym: false,
    maxBpfProgs: 1024,
    maxProbes: 1024,
    cacheUserSymbols: 'per_program',
  };
}

/**
 * Sets a value; on refusal, what is wrong with the value (said after the key), or a `whole`
 * message bpftrace words on its own (the license check).
 */
type Setter = (c: Config, v: string | bigint) => string | { whole: string } | null;

/** A setter's refusal as the user reads it, for the key or variable named `what`. */
function refusal(err: string | { whole: string }, what: string): string {
  return typeof err === 'string' ? `Invalid value for ${what}: ${err}` : err.whole;
}

function intSetter(
  key: 'maxStrlen' | 'maxMapKeys' | 'onStackLimit' | 'maxCatBytes' | 'logSize' | 'perfRbPages' | 'maxBpfProgs' | 'maxProbes',
): Setter {
  return (c, v) => {
    const n = typeof v === 'bigint' ? v : /^\d+$/.test(v) ? BigInt(v) : null;
    if (n === null) return 'expects an integer';
    c[key] = Number(n);
    return null;
  };
}

function boolSetter(key: 'printMapsOnExit' | 'cppDemangle' | 'showDebugInfo' | 'lazySymbolication' | 'useBlazesym'): Setter {
  return (c, v) => {
    const s = String(v).toLowerCase();
    if (s === 'true' || s === '1') c[key] = true;
    else if (s === 'false' || s === '0') c[key] = false;
    else return 'expects true or false';
    return null;
  };
}

function enumSetter<
  K extends 'missingProbes' | 'stackMode' | 'unstableTseries' | 'unstableTypeinfo' | 'unstableImportStatement' | 'unstableDwUstack',
>(key: K, values: readonly Config[K][]): Setter {
  return (c, v) => {
    const s = String(v).toLowerCase() as Config[K];
    if (!values.includes(s)) return `expects one of: ${values.join(', ')}`;
    c[key] = s;
    return null;
  };
}

/** Licenses the kernel accepts for programs using GPL-only helpers, in bpftrace 0.26's message order. */
const LICENSES = ['Dual MIT/GPL', 'Dual BSD/GPL', 'Dual MPL/GPL', 'GPL and additional rights', 'GPL v2', 'GPL'];

/** Old names 0.26 still takes, with a warning naming the new one. */
const RENAMED: Readonly<Record<string, string>> = {
  strlen: 'max_strlen',
  cat_bytes_max: 'max_cat_bytes',
  map_keys_max: 'max_map_keys',
  no_cpp_demangle: 'cpp_demangle',
};

/** Settings 0.26 no longer has: a warning, and the value is ignored. */
const DEPRECATED: ReadonlySet<string> = new Set([
  'symbol_source',
  'max_type_res_iterations',
  'unstable_addr',
  'unstable_import',
  'unstable_macro',
  'unstable_map_decl',
]);

/** Settings read from the environment only (bpftrace says so when a config block sets them). */
const ENV_ONLY: ReadonlySet<string> = new Set(['btf', 'kernel_build', 'kernel_source', 'vmlinux']);

const SETTERS: Record<string, Setter> = {
  max_strlen: intSetter('maxStrlen'),
  max_map_keys: intSetter('maxMapKeys'),
  on_stack_limit: intSetter('onStackLimit'),
  max_cat_bytes: intSetter('maxCatBytes'),
  log_size: intSetter('logSize'),
  perf_rb_pages: intSetter('perfRbPages'),
  print_maps_on_exit: boolSetter('printMapsOnExit'),
  cpp_demangle: boolSetter('cppDemangle'),
  show_debug_info: boolSetter('showDebugInfo'),
  missing_probes: enumSetter('missingProbes', ['error', 'warn', 'ignore']),
  stack_mode: enumSetter('stackMode', ['bpftrace', 'perf', 'raw', 'build_id']),
  unstable_tseries: enumSetter('unstableTseries', ['error', 'warn', 'enable']),
  unstable_typeinfo: enumSetter('unstableTypeinfo', ['error', 'warn', 'enable']),
  unstable_import_statement: enumSetter('unstableImportStatement', ['error', 'warn', 'enable']),
  unstable_dw_ustack: enumSetter('unstableDwUstack', ['error', 'warn', 'enable']),
  lazy_symbolication: boolSetter('lazySymbolication'),
  use_blazesym: boolSetter('useBlazesym'),
  max_bpf_progs: intSetter('maxBpfProgs'),
  max_probes: intSetter('maxProbes'),
  cache_user_symbols: (c, v) => {
    const s = String(v).toLowerCase();
    if (s === 'none' || s === '0') c.cacheUserSymbols = 'none';
    else if (s === 'per_pid' || s === 'per_program') c.cacheUserSymbols = s;
    else if (s !== '1') return { whole: 'Invalid value for cache_user_symbols: valid values are PER_PID, PER_PROGRAM, and NONE.' };
    return null;
  },
  str_trunc_trailer: (c, v) => {
    c.strTruncTrailer = String(v);
    return null;
  },
  license: (c, v) => {
    const s = String(v);
    if (!LICENSES.includes(s)) {
      return {
        whole: `Invalid value for license. Found: ${s}. Valid values: ${LICENSES.join(', ')}. Read more about BPF programs and licensing: https://docs.kernel.org/bpf/bpf_licensing.html#using-bpf-programs-in-the-linux-kernel`,
      };
    }
    c.license = s;
    return null;
  },
};

/** The setter for a key (any spelling), or why there is none, as bpftrace words it. */
function lookupSetter(key: string): { setter: Setter; renamedTo: string | null } | string {
  const k = normaliseKey(key);
  const renamedTo = RENAMED[k] ?? null;
  const name = renamedTo ?? k;
  if (Object.hasOwn(SETTERS, name)) return { setter: SETTERS[name] as Setter, renamedTo };
  if (ENV_ONLY.has(k)) return `${key}: can only be set as an environment variable`;
  return `${key}: not a known configuration option`;
}

/** Accepts `max_strlen`, `MAX_STRLEN` and `BPFTRACE_MAX_STRLEN`. */
function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/^bpftrace_/, '');
}

export function buildConfig(block: ConfigBlock | null, env: NodeJS.ProcessEnv, diags: Diagnostics): Config {
  const c = defaultConfig();
  for (const e of block?.entries ?? []) {
    if (DEPRECATED.has(e.key)) {
      diags.warning(e.span, `${e.key} is deprecated and has no effect`);
      continue;
    }
    const found = lookupSetter(e.key);
    if (typeof found === 'string') {
      diags.error(e.span, found);
      continue;
    }
    const { setter, renamedTo } = found;
    if (renamedTo) diags.warning(e.span, `${e.key} has been renamed, please use ${renamedTo}`);
    const v = e.value;
    const raw =
      v.kind === 'IntegerLit'
        ? v.value
        : v.kind === 'StringLit'
          ? v.value
          : v.kind === 'Identifier'
            ? v.name
            : v.kind === 'BoolLit'
              ? String(v.value)
              : null;
    if (raw === null) {
      diags.error(v.span, `Invalid value for config variable ${e.key}`);
      continue;
    }
    const err = setter(c, raw);
    if (err) diags.error(typeof err === 'string' ? v.span : e.span, refusal(err, e.key));
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('BPFTRACE_') || value === undefined) continue;
    const found = lookupSetter(name);
    if (typeof found === 'string') continue;
    const err = found.setter(c, value);
    if (err) diags.error(null, refusal(err, `environment variable ${name}`));
  }
  return c;
}
