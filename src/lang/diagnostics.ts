// Diagnostics as data, rendered the way bpftrace renders them:
//   stdin:1:24-28: ERROR: Unknown identifier: 'fake'
//   BEGIN { printf("%d\n", fake); }
//                          ~~~~
// Columns are 1-based; the end column is exclusive, as bpftrace prints it.

import type { SourceFile, Span } from './ast.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  message: string;
  /** Null for errors without a place in the script (a missing file, a kernel refusal). */
  span: Span | null;
  /** Extra lines printed after the excerpt as `HINT: ...`. */
  hints: string[];
  /** A line printed first, as is: what clang said of it for bpftrace (clang-location.ts). */
  prelude?: string;
}

/** Thrown to abandon a pass; the diagnostics already collected tell the user why. */
export class CompileAbort extends Error {
  constructor() {
    super('compilation aborted');
  }
}

/**
 * Collects diagnostics for one source file. Passes report here and keep going where they can,
 * so a run shows several errors at once.
 */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  suppressWarnings = false;
  /** Errors reported so far: a pass compares counts to tell whether a sub-tree failed. */
  errorCount = 0;

  constructor(readonly source: SourceFile) {}

  error(span: Span | null, message: string, ...hints: string[]): Diagnostic {
    return this.add({ severity: 'error', span, message, hints });
  }

  warning(span: Span | null, message: string, ...hints: string[]): Diagnostic {
    return this.add({ severity: 'warning', span, message, hints });
  }

  /** Takes a diagnostic another collector made, as it is. */
  report(d: Diagnostic): Diagnostic {
    return this.add({ ...d });
  }

  private add(d: Diagnostic): Diagnostic {
    // The same message at the same place twice (e.g. from a macro expanded twice) says nothing new.
    const key = `${d.severity}|${d.span?.start}|${d.span?.end}|${d.message}`;
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.list.push(d);
      if (d.severity === 'error') this.errorCount++;
    }
    return d;
  }

  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === 'error');
  }

  /** Throws CompileAbort when an error has been reported, so the pipeline stops after a pass. */
  check(): void {
    if (this.hasErrors) throw new CompileAbort();
  }

  render(): string {
    return this.list
      .filter((d) => d.severity === 'error' || !this.suppressWarnings)
      .map((d) => renderDiagnostic(this.source, d))
      .join('');
  }
}

export interface LineCol {
  line: number;
  col: number;
}

/** 1-based line and column of a byte offset. */
export function lineCol(text: string, offset: number): LineCol {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

/** Reserves offsets for an imported file after everything `root` holds; returns its base. */
export function registerImportedSource(root: SourceFile, file: SourceFile): number {
  root.imported ??= [];
  const last = root.imported[root.imported.length - 1];
  const base = last ? last.base + last.file.text.length + 1 : root.text.length + 1;
  root.imported.push({ base, file });
  return base;
}

/** The file an offset of `root`'s offset space is in, and the offset within that file. */
export function locate(root: SourceFile, offset: number): { file: SourceFile; offset: number } {
  const parts = root.imported;
  if (parts) {
    for (let i = parts.length - 1; i >= 0; i--) {
      const p = parts[i] as { base: number; file: SourceFile };
      if (offset >= p.base) return { file: p.file, offset: offset - p.base };
    }
  }
  return { file: root, offset };
}

export function renderDiagnostic(root: SourceFile, diag: Diagnostic): string {
  let source = root;
  let d = diag;
  if (diag.span && root.imported) {
    const at = locate(root, diag.span.start);
    const shift = diag.span.start - at.offset;
    source = at.file;
    d = { ...diag, span: { start: at.offset, end: diag.span.end - shift } };
  }
  const label = d.severity === 'error' ? 'ERROR' : 'WARNING';
  const hints = d.hints.map((h) => `HINT: ${h}\n`).join('');
  const prelude = d.prelude === undefined ? '' : `${d.prelude}\n`;
  if (!d.span) return `${prelude}${label}: ${d.message}\n${hints}`;
  const { text } = source;
  const start = lineCol(text, d.span.start);
  let endOffset = Math.max(d.span.end, d.span.start);
  // A span running over several lines is shown on its first line only, as bpftrace does.
  const lineStart = d.span.start - (start.col - 1);
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = text.length;
  if (endOffset > lineEnd) endOffset = lineEnd;
  const endCol = endOffset - lineStart + 1;
  const where = `${source.name}:${start.line}:${start.col}-${endCol}`;
  const srcLine = text.slice(lineStart, lineEnd);
  const width = Math.max(1, endCol - start.col);
  const underline = `${' '.repeat(start.col - 1)}${'~'.repeat(width)}`;
  return `${prelude}${where}: ${label}: ${d.message}\n${srcLine}\n${underline}\n${hints}`;
}

/** An error that ends the program with a message and exit code 1, never a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hints: string[] = [],
  ) {
    super(message);
  }
}

/**
 * An attach point that matches nothing (bpftrace's "No matches for tracepoint a:b"): an error,
 * or with missing_probes=warn a warning, worded as bpftrace words them.
 */
export class NoMatchesError extends UserError {
  constructor(probeType: string, target: string, hints: string[] = []) {
    super(`No matches for ${probeType} ${target}`, hints);
  }
}

/**
 * A failure bpftrace only finds when attaching (an unresolvable address, a symbol of size 0),
 * so it reports it without a source location; so do we.
 */
export class UnlocatedError extends UserError {}

/** A probe none of whose attach points exist (bpftrace's probe-prune message), by missing_probes. */
export class NoAttachPointsError extends UserError {
  constructor(hints: string[] = []) {
    super('Probe has no valid attach points.', hints);
  }
}
