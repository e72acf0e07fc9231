// Facts about the script known when compiling: probetype (the kind of the probe the code is
// in), has_cpid (whether -c started a child) and config (a record of the config variables).

import type { Config } from '../sema/config.ts';
import { BOOL, INT64, type Type, tupleLayout } from '../sema/types.ts';
import { writeBytes } from './gen-util.ts';
import type { Builtin } from './types.ts';

/** bpftrace's name for a probe type: BEGIN/END/self are `special`, bench `benchmark`. */
export function probeTypeName(provider: string): string {
  switch (provider) {
    case 'BEGIN':
    case 'END':
    case 'self':
      return 'special';
    case 'bench':
      return 'benchmark';
    case 'asyncwatchpoint':
      return 'watchpoint';
    case 'kprobe_multi':
      return 'kprobe';
    case '':
      return 'none';
    default:
      return provider;
  }
}

export const probetype: Builtin = {
  name: 'probetype',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check(call, cx) {
    const name = probeTypeName(cx.probe.providerName);
    cx.callConstants.set(call.id, name);
    return { kind: 'string', size: name.length + 1 };
  },
  emit(call, em) {
    const value = String(em.sema.callConstants.get(call.id) ?? '');
    return { kind: 'mem', loc: em.mem({ kind: 'StringLit', id: call.id, span: call.span, value }, em.memDest ?? undefined) };
  },
};

/** True when -c started a child, so cpid has a value. */
export const hasCpid: Builtin = {
  name: 'has_cpid',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check(call, cx) {
    cx.callConstants.set(call.id, (cx.cpid ?? 0) !== 0);
    return BOOL;
  },
  emit: (call, em) => ({ kind: 'imm', value: em.sema.callConstants.get(call.id) === true ? 1n : 0n }),
};

type ConfigValue = boolean | bigint | string;

/** The record's fields in bpftrace 0.26's order; what bpftrace-ts has no use for reads as set (or as 0.26's default). */
function configFields(c: Config): [string, ConfigValue][] {
  return [
    ['cpp_demangle', c.cppDemangle],
    ['lazy_symbolication', c.lazySymbolication],
    ['print_maps_on_exit', c.printMapsOnExit],
    ['use_blazesym', c.useBlazesym],
    ['show_debug_info', c.showDebugInfo],
    ['log_size', BigInt(c.logSize)],
    ['max_bpf_progs', BigInt(c.maxBpfProgs)],
    ['max_cat_bytes', BigInt(c.maxCatBytes)],
    ['max_map_keys', BigInt(c.maxMapKeys)],
    ['max_probes', BigInt(c.maxProbes)],
    ['max_strlen', BigInt(c.maxStrlen)],
    ['on_stack_limit', BigInt(c.onStackLimit)],
    ['perf_rb_pages', BigInt(c.perfRbPages)],
    ['str_trunc_trailer', c.strTruncTrailer],
    ['unstable_import_statement', c.unstableImportStatement],
    ['unstable_tseries', c.unstableTseries],
    ['unstable_typeinfo', c.unstableTypeinfo],
    ['unstable_dw_ustack', c.unstableDwUstack],
    ['missing_probes', c.missingProbes],
    ['stack_mode', c.stackMode],
    ['license', c.license],
  ];
}

function valueType(v: ConfigValue): Type {
  if (typeof v === 'boolean') return BOOL;
  if (typeof v === 'bigint') return INT64;
  return { kind: 'string', size: Buffer.byteLength(v, 'latin1') + 1 };
}

function configType(c: Config): Extract<Type, { kind: 'record' }> {
  return { kind: 'record', fields: configFields(c).map(([name, v]) => ({ name, type: valueType(v) })) };
}

export const config: Builtin = {
  name: 'config',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check: (_call, cx) => configType(cx.config),
  emit(_call, em) {
    const fields = configFields(em.config);
    const lay = tupleLayout(fields.map(([, v]) => valueType(v)));
    const bytes = Buffer.alloc(lay.size);
    fields.forEach(([, v], i) => {
      const off = lay.offsets[i] ?? 0;
      if (typeof v === 'boolean') bytes[off] = v ? 1 : 0;
      else if (typeof v === 'bigint') bytes.writeBigInt64LE(v, off);
      else bytes.write(v, off, 'latin1');
    });
    const dest = em.memDest ?? em.allocMem(lay.size);
    writeBytes(em, dest, bytes);
    return { kind: 'mem', loc: dest };
  },
};
