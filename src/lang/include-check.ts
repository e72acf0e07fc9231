// A header the script includes must exist, as bpftrace's clang parse requires: a missing one is
// clang's fatal "'x.h' file not found", reported at the `#include` (and for `--include FILE`
// without a place). Only includes the script's own conditionals leave active are checked
// (`#ifndef BPFTRACE_HAVE_BTF` around kernel headers, as bpftrace's tools write, is skipped when
// the kernel has BTF); a condition we cannot evaluate leaves its includes unchecked.
// One deliberate difference: a kernel-internal header (`<net/sock.h>`, `<linux/fs.h>`) on a host
// without the kernel's headers is only a warning when the kernel has BTF, since types come from
// BTF here and tutorials include such headers unguarded (0.26 fails on them there).

import type { Program, Span, TopLevel } from './ast.ts';
import { clangMessage } from './clang-location.ts';
import { type Diagnostics, locate } from './diagnostics.ts';
import { findHeader, type HeaderOptions, systemDirs } from './headers.ts';

/**
 * Headers bpftrace 0.26 carries inside itself (its src/stdlib/include), found whatever the host
 * has installed; `asm/` ones stand for the running architecture's.
 */
const EMBEDDED: ReadonlySet<string> = new Set([
  '__stddef_max_align_t.h',
  'float.h',
  'limits.h',
  'stdarg.h',
  'stdbool.h',
  'stddef.h',
  'stdint.h',
  ...['bitsperlong', 'errno-base', 'errno', 'fcntl', 'int-ll64', 'ioctl', 'posix_types', 'types'].map((n) => `asm-generic/${n}.h`),
  ...['bitsperlong', 'byteorder', 'errno', 'fcntl', 'ioctl', 'posix_types', 'rwonce', 'swab', 'types'].map((n) => `asm/${n}.h`),
  ...[
    'bpf',
    'bpf_common',
    'btf',
    'byteorder/big_endian',
    'byteorder/little_endian',
    'compiler-clang',
    'compiler',
    'compiler_attributes',
    'compiler_types',
    'const',
    'errno',
    'fcntl',
    'if_link',
    'if_xdp',
    'ioctl',
    'kasan-checks',
    'kcsan-checks',
    'kernel',
    'netdev',
    'netlink',
    'openat2',
    'perf_event',
    'pkt_cls',
    'pkt_sched',
    'posix_types',
    'socket',
    'stddef',
    'swab',
    'sysinfo',
    'types',
  ].map((n) => `linux/${n}.h`),
]);

/** First path components of the kernel's own headers (include/ of a kernel tree). */
const KERNEL_DIRS: ReadonlySet<string> = new Set([
  'linux',
  'net',
  'asm',
  'asm-generic',
  'uapi',
  'trace',
  'scsi',
  'sound',
  'video',
  'xen',
  'drm',
  'rdma',
  'crypto',
  'keys',
  'kvm',
  'media',
  'soc',
  'target',
  'acpi',
  'clocksource',
  'ras',
  'vdso',
]);

/** Reports the script's includes (and `--include` files) that no search dir has. */
export function checkIncludes(program: Program, states: Map<TopLevel, boolean | null>, diags: Diagnostics, opts: HeaderOptions): void {
  const sys = systemDirs();
  const where = (quoted: boolean): string => searchedHint([...(quoted ? [opts.scriptDir] : []), ...opts.includeDirs, ...sys], sys);
  const kernelHeaders = sys.some((d) => d.startsWith('/lib/modules/'));
  const exists = (path: string, quoted: boolean): boolean =>
    EMBEDDED.has(path) || findHeader(path, quoted, opts.scriptDir, opts.includeDirs, sys) !== null;
  // Without the kernel's headers, a kernel-internal header's types still come from BTF.
  const btfCovers = (path: string): boolean => opts.haveBtf === true && !kernelHeaders && KERNEL_DIRS.has(path.split('/')[0] ?? '');
  const btfHint =
    "this kernel's headers are not installed (/lib/modules/$(uname -r)/build), so the header's #define constants are unknown; bpftrace 0.26 refuses the include here";
  for (const path of opts.includes) {
    if (exists(path, true)) continue;
    if (btfCovers(path))
      diags.warning(null, `'${path}' file not found; its types come from the kernel's BTF`, `--include ${path}: ${btfHint}`);
    else diags.error(null, `'${path}' file not found`, `--include ${path}: ${where(true)}`);
  }
  for (const item of program.items) {
    if (item.kind !== 'Include' || states.get(item) !== true || exists(item.path, !item.system)) continue;
    const span = pathSpan(diags, item.span);
    if (btfCovers(item.path)) {
      diags.warning(
        span,
        `'${item.path}' file not found; its types come from the kernel's BTF`,
        `${btfHint}: guard it with #ifndef BPFTRACE_HAVE_BTF`,
      );
      continue;
    }
    const message = `'${item.path}' file not found`;
    const d = diags.error(span, message, where(!item.system));
    const line = program.definitionsLines?.get(item.id);
    // An include is one line: clang points at its `<` or `"`.
    if (line !== undefined) d.prelude = clangMessage({ line, col: span.start - item.span.start + 1 }, 'fatal error', message);
  }
}

/** The `<x.h>` or `"x.h"` part of an `#include` line, where clang points. */
function pathSpan(diags: Diagnostics, line: Span): Span {
  const at = locate(diags.source, line.start);
  const text = at.file.text.slice(at.offset, at.offset + (line.end - line.start));
  const open = text.search(/[<"]/);
  if (open < 0) return line;
  const close = text.indexOf(text[open] === '<' ? '>' : '"', open + 1);
  return { start: line.start + open, end: close < 0 ? line.end : line.start + close + 1 };
}

/** Where the header was looked for, as a hint. */
function searchedHint(dirs: readonly string[], sys: readonly string[]): string {
  const kernel = sys.some((d) => d.startsWith('/lib/modules/'))
    ? ''
    : ' (the kernel headers under /lib/modules/$(uname -r)/build are not installed)';
  return `searched ${dirs.join(', ')}${kernel}; add a directory with -I`;
}
