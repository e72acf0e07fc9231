// Errors found while a probe runs, reported as bpftrace 0.26 reports them: the program sends a
// small record (header + a value) and user space prints bpftrace's warning with the script
// location. Four sources: a helper that can fail returns an error (its return code is the
// value), a division or modulo by zero (the result is 1, as in 0.26), an array index past
// the end at run time (the element is read anyway, as in 0.26), and a per-CPU value missing on
// some CPU while being merged (percpu-read.ts).
//
// Which helpers are checked depends on the warning level, as in 0.26:
//   0 (--no-warnings)  none;
//   1 (default)        helpers whose failure loses something silently (map updates);
//   2 (-k)             also probe reads and map lookups, whose failure reads as zeros the
//                      script can see, so they are only worth a message on request.
// The success path costs one conditional jump; the record is built only on failure.

import type { HelperName } from '../bpf/helpers.ts';
import { JmpOp, jmpImm, ldImm64, movImm, Reg } from '../bpf/insn.ts';
import type { Span } from '../lang/ast.ts';
import { EventKind, eventHeader, HEADER_SIZE } from '../runtime/events.ts';
import type { Emitter } from './emitter.ts';

export type WarningLevel = 0 | 1 | 2;

interface SiteBase {
  /** The id carried in the record's header. */
  id: number;
  /** Where the failing call or operation is in the script. */
  span: Span;
}

export type RuntimeErrorSite =
  | (SiteBase & { kind: 'helper'; helper: HelperName })
  | (SiteBase & { kind: 'divide-by-zero' })
  | (SiteBase & { kind: 'array-oob' })
  | (SiteBase & { kind: 'cpu-count-mismatch' });

/** Record layout: u64 header, then the helper's return code (or 0) as an i64. */
export const RUNTIME_ERROR_RECORD_SIZE = HEADER_SIZE + 8;

/** Helpers whose failure leaves zeros behind (bpftrace's return_zero_if_err): checked with -k only. */
const ONLY_WITH_K: ReadonlySet<HelperName> = new Set<HelperName>([
  'probe_read',
  'probe_read_str',
  'probe_read_kernel',
  'probe_read_kernel_str',
  'probe_read_user',
  'probe_read_user_str',
  'map_lookup_elem',
]);

export function helperChecked(level: WarningLevel, helper: HelperName): boolean {
  switch (level) {
    case 0:
      return false;
    case 1:
      return !ONLY_WITH_K.has(helper);
    case 2:
      return true;
  }
}

/**
 * Right after `call helper`: when r0 is negative, reports the error. r0 is left as the helper
 * returned it, so callers go on testing it as before.
 */
export function emitHelperCheck(em: Emitter, helper: HelperName, span: Span): void {
  if (!helperChecked(em.resources.warningLevel, helper)) return;
  const ok = em.label();
  em.emit(jmpImm(JmpOp.JSGE, Reg.R0, 0, ok));
  emitHelperErrorRecord(em, helper, span);
  em.place(ok);
}

/**
 * A map lookup found nothing (r0 = 0 on this path): bpftrace reports it as a helper error with
 * return code 0. Callers place this on their miss branch only. A plain value is looked up with
 * map_lookup_elem, checked with -k only; 0.26 reads a per-CPU aggregation (count, sum, min, max,
 * avg) with map_lookup_percpu_elem, which it checks by default, and words it strerror(0).
 */
export function emitLookupMissCheck(
  em: Emitter,
  span: Span,
  helper: 'map_lookup_elem' | 'map_lookup_percpu_elem' = 'map_lookup_elem',
): void {
  if (!helperChecked(em.resources.warningLevel, helper)) return;
  emitHelperErrorRecord(em, helper, span);
}

/** Sends {header, r0} as one record; r0 is restored afterwards (output() clobbers r0-r5). */
function emitHelperErrorRecord(em: Emitter, helper: HelperName, span: Span): void {
  emitRuntimeErrorRecord(em, { id: em.resources.runtimeErrors.length, kind: 'helper', helper, span });
}

/**
 * A division or modulo whose divisor is zero at run time: reported at `span`. Clobbers r0-r5
 * (callers keep live values in callee-saved registers or on the stack).
 */
export function emitDivideByZeroRecord(em: Emitter, span: Span): void {
  emitPlainRecord(em, 'divide-by-zero', span);
}

/**
 * An array index past the end at run time, reported at the index expression's `span` when
 * the unsigned index in `index` is more than `len - 1`. Clobbers r0-r5 on that path only.
 */
export function emitArrayBoundsCheck(em: Emitter, index: Reg, len: number, span: Span): void {
  if (em.resources.warningLevel === 0) return;
  const ok = em.label();
  em.emit(jmpImm(JmpOp.JLE, index, len - 1, ok));
  emitPlainRecord(em, 'array-oob', span);
  em.place(ok);
}

/** The array-index record alone, for callers that test the index themselves. */
export function emitArrayBoundsRecord(em: Emitter, span: Span): void {
  emitPlainRecord(em, 'array-oob', span);
}

/**
 * A per-CPU aggregation read across CPUs found its key on CPU 0 but not on a later one (deleted
 * meanwhile): 0.26's "CPU count mismatch" warning at the read's `span`. Clobbers r0-r5.
 */
export function emitCpuCountMismatchRecord(em: Emitter, span: Span): void {
  emitPlainRecord(em, 'cpu-count-mismatch', span);
}

function emitPlainRecord(em: Emitter, kind: 'divide-by-zero' | 'array-oob' | 'cpu-count-mismatch', span: Span): void {
  // --no-warnings silences bpftrace's runtime warnings too.
  if (em.resources.warningLevel === 0) return;
  em.emit(movImm(Reg.R0, 0));
  emitRuntimeErrorRecord(em, { id: em.resources.runtimeErrors.length, kind, span });
}

function emitRuntimeErrorRecord(em: Emitter, site: RuntimeErrorSite): void {
  em.resources.runtimeErrors.push(site);
  const rec = em.allocMem(RUNTIME_ERROR_RECORD_SIZE);
  em.storeReg(8, rec, HEADER_SIZE, Reg.R0, Reg.R1);
  em.emit(ldImm64(Reg.R1, eventHeader(EventKind.RuntimeError, site.id)));
  em.storeReg(8, rec, 0, Reg.R1, Reg.R2);
  em.output(rec, RUNTIME_ERROR_RECORD_SIZE);
  em.loadReg(8, Reg.R0, rec, HEADER_SIZE);
}
