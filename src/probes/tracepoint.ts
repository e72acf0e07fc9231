// tracepoint:category:name — static kernel tracepoints. Fields come from the tracepoint's
// tracefs format file; the program reads them straight from its context.

import { BPF_PROG_TYPE_TRACEPOINT } from '../bpf/constants.ts';
import { attachPerfEvent } from '../bpf/link.ts';
import { openTracepoint } from '../bpf/perf-event.ts';
import { NoMatchesError, UserError } from '../lang/diagnostics.ts';
import { btfTypeByName } from '../sema/btf-types.ts';
import { type IntSize, intType, parseIntTypeName, type Type, UINT64 } from '../sema/types.ts';
import { globToMatcher, hasWildcard } from './info/glob.ts';
import { listTracepoints, readTracepointFormat, type TracepointFieldType, tracepointId } from './info/tracepoint-format.ts';
import { providerNames } from './names.ts';
import { probeNameCookie } from './probe-names.ts';
import type { ArgField, ProbeTarget, Provider } from './provider.ts';

/**
 * What a pointer field points to: chars and integers from their C names; structs, unions and
 * typedefs (`struct __kernel_timespec *`) through the kernel's BTF, so `args.rqtp->tv_sec` reads
 * a member. BTF is loaded only when such a field is used: most scripts never do.
 */
function pointee(target: string): Type | (() => Type) {
  const name = target.replace(/^(const|volatile) /, '').trim();
  if (name === 'char') return intType(1, true);
  const c = parseIntTypeName(name);
  if (c?.kind === 'int') return c;
  if (name === 'void' || name.includes('*')) return { kind: 'void' };
  return () => btfTypeByName(name) ?? { kind: 'void' };
}

interface FieldTyping {
  type: Type;
  dataLoc: boolean;
  /** The field's real type, when finding it costs a BTF load: `type` is a stand-in until then. */
  resolve?: () => Type;
}

function fieldType(t: TracepointFieldType, typeText: string, maxStrlen: number, user: boolean): FieldTyping {
  switch (t.kind) {
    case 'integer': {
      // Syscall tracepoints declare `int dfd` as 8 bytes with signed:0; the C type knows better.
      const c = parseIntTypeName(typeText.replace(/^(const|volatile) /, '').trim());
      // Enum-typed fields print their enumerator names (kernel BTF has the values).
      const en = /^enum (\w+)$/.exec(typeText.trim());
      if (en) return { type: { ...intType(t.size, t.signed), enumName: `enum ${en[1]}` } as Type, dataLoc: false };
      // The register behind an `int` arg is zero-extended to 8 bytes: read the C type's size.
      if (c?.kind === 'int') return { type: intType(Math.min(c.size, t.size) as IntSize, c.signed), dataLoc: false };
      return { type: intType(t.size, t.signed), dataLoc: false };
    }
    case 'pointer': {
      const to = pointee(t.target);
      if (typeof to !== 'function') return { type: { kind: 'pointer', to, user }, dataLoc: false };
      return {
        type: { kind: 'pointer', to: { kind: 'void' }, user },
        dataLoc: false,
        resolve: () => ({ kind: 'pointer', to: to(), user }),
      };
    }
    case 'array':
      if (t.elemType.endsWith('char')) return { type: { kind: 'string', size: t.length || maxStrlen }, dataLoc: false };
      return {
        type: { kind: 'array', elem: t.elem.kind === 'integer' ? intType(t.elem.size, t.elem.signed) : UINT64, len: t.length },
        dataLoc: false,
      };
    case 'data_loc':
      return { type: { kind: 'string', size: maxStrlen }, dataLoc: true };
    case 'opaque':
      return { type: UINT64, dataLoc: false };
  }
}

const argsCache = new Map<string, ArgField[]>();

/** Max string length used for __data_loc fields; set by the compiler from the config. */
export const tracepointOptions = { maxStrlen: 1024 };

export function tracepointArgs(category: string, name: string): ArgField[] {
  const key = `${category}:${name}`;
  let args = argsCache.get(key);
  if (!args) {
    const fmt = readTracepointFormat(category, name);
    // Syscall arguments point into the calling process, as bpftrace 0.26 types them.
    const user = category === 'syscalls';
    args = fmt.fields
      .filter((f) => !f.common)
      .map((f) => {
        const { type, dataLoc, resolve } = fieldType(f.type, f.typeText, tracepointOptions.maxStrlen, user);
        if (!resolve) return { name: f.name, type, offset: f.offset, dataLoc };
        // A struct pointer is typed through BTF on first use: `args.other` alone loads none.
        let resolved: Type | undefined;
        return {
          name: f.name,
          get type(): Type {
            resolved ??= resolve();
            return resolved;
          },
          offset: f.offset,
          dataLoc,
        };
      });
    argsCache.set(key, args);
  }
  return args;
}

export const tracepoint: Provider = {
  ...providerNames('tracepoint'),
  progType: BPF_PROG_TYPE_TRACEPOINT,
  shareable: true,
  namesByCookie: true,
  expand(raw, parts, span): ProbeTarget[] {
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new UserError(`Invalid tracepoint: ${raw}`, ['tracepoints are written tracepoint:category:name']);
    }
    const [cat, ev] = parts as [string, string];
    if (!hasWildcard(cat) && !hasWildcard(ev)) {
      if (tracepointId(cat, ev) === null) {
        throw new NoMatchesError('tracepoint', `${cat}:${ev}`, [`list the available ones with: bpftrace-ts -l 'tracepoint:${cat}:*'`]);
      }
      return [{ provider: tracepoint, name: `tracepoint:${cat}:${ev}`, parts: [cat, ev], span }];
    }
    const mc = globToMatcher(cat);
    const me = globToMatcher(ev);
    const out = listTracepoints()
      .filter((t) => mc(t.category) && me(t.name))
      .map((t) => ({ provider: tracepoint, name: `tracepoint:${t.category}:${t.name}`, parts: [t.category, t.name], span }));
    if (!out.length) throw new NoMatchesError('tracepoint', `${cat}:${ev}`);
    return out;
  },
  context(target) {
    const [cat, ev] = target.parts as [string, string];
    return { args: tracepointArgs(cat, ev), argN: null, retval: false };
  },
  attach(prog, target) {
    const [cat, ev] = target.parts as [string, string];
    const id = tracepointId(cat, ev);
    if (id === null) throw new UserError(`tracepoint not found: ${cat}:${ev}`);
    const fd = openTracepoint(id);
    return [attachPerfEvent(prog, fd, { target: target.name, cookie: probeNameCookie(target) })];
  },
};
