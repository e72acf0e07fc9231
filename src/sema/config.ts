// Config variables: defaults, the script's `config = { ... }` block, and BPFTRACE_* environment
// variables (which win over the block, as in bpftrace).

import type { ConfigBlock } from '../lang/ast.ts';
import type { Diagnostics } from '../lang/diagnostics.ts';
import type { StackMode } from './types.ts';

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
  /** unstable_tseries: whether tseries() may be used. */
  unstableTseries: 'error' | 'warn' | 'enable';
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
    unstableTseries: 'warn',
  };
}

type Setter = (c: Config, v: string | bigint) => string | null;

function intSetter(key: 'maxStrlen' | 'maxMapKeys' | 'onStackLimit' | 'maxCatBytes' | 'logSize' | 'perfRbPages'): Setter {
  return (c, v) => {
    const n = typeof v === 'bigint' ? v : /^\d+$/.test(v) ? BigInt(v) : null;
    if (n === null) return 'expects an integer';
    c[key] = Number(n);
    return null;
  };
}

function boolSetter(key: 'printMapsOnExit' | 'cppDemangle'): Setter {
  return (c, v) => {
    const s = String(v).toLowerCase();
    if (s === 'true' || s === '1') c[key] = true;
    else if (s === 'false' || s === '0') c[key] = false;
    else return 'expects true or false';
    return null;
  };
}

function enumSetter<K extends 'missingProbes' | 'stackMode' | 'unstableTseries'>(key: K, values: readonly Config[K][]): Setter {
  return (c, v) => {
    const s = String(v).toLowerCase() as Config[K];
    if (!values.includes(s)) return `expects one of: ${values.join(', ')}`;
    c[key] = s;
    return null;
  };
}

const SETTERS: Record<string, Setter> = {
  max_strlen: intSetter('maxStrlen'),
  strlen: intSetter('maxStrlen'),
  max_map_keys: intSetter('maxMapKeys'),
  map_keys_max: intSetter('maxMapKeys'),
  on_stack_limit: intSetter('onStackLimit'),
  max_cat_bytes: intSetter('maxCatBytes'),
  cat_bytes_max: intSetter('maxCatBytes'),
  log_size: intSetter('logSize'),
  perf_rb_pages: intSetter('perfRbPages'),
  print_maps_on_exit: boolSetter('printMapsOnExit'),
  cpp_demangle: boolSetter('cppDemangle'),
  missing_probes: enumSetter('missingProbes', ['error', 'warn', 'ignore']),
  stack_mode: enumSetter('stackMode', ['bpftrace', 'perf', 'raw', 'build_id']),
  unstable_tseries: enumSetter('unstableTseries', ['error', 'warn', 'enable']),
  str_trunc_trailer: (c, v) => {
    c.strTruncTrailer = String(v);
    return null;
  },
  license: (c, v) => {
    c.license = String(v);
    return null;
  },
};

/** Accepts `max_strlen`, `MAX_STRLEN` and `BPFTRACE_MAX_STRLEN`. */
function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/^bpftrace_/, '');
}

export function buildConfig(block: ConfigBlock | null, env: NodeJS.ProcessEnv, diags: Diagnostics): Config {
  const c = defaultConfig();
  for (const e of block?.entries ?? []) {
    const setter = SETTERS[normaliseKey(e.key)];
    if (!setter) {
      diags.error(e.span, `Unrecognized config variable: ${e.key}`);
      continue;
    }
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
    if (err) diags.error(v.span, `Invalid value for ${e.key}: ${err}`);
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('BPFTRACE_') || value === undefined) continue;
    const setter = SETTERS[normaliseKey(name)];
    if (!setter) continue;
    const err = setter(c, value);
    if (err) diags.error(null, `Invalid value for environment variable ${name}: ${err}`);
  }
  return c;
}
