// Where a run's output goes: text (bpftrace's default) or JSON lines (-f json). The tracer
// only speaks to this interface; rendering lives in runtime/output.

import { createRequire } from 'node:module';
import type { FormatResource } from '../codegen/resources.ts';
import type { RuntimeErrorSite } from '../codegen/runtime-errors.ts';
import type { SourceFile, Span } from '../lang/ast.ts';
import { lineCol, locate, renderDiagnostic } from '../lang/diagnostics.ts';
import { dummyTimeMap } from '../util/dummy-time.ts';
import { writeAllSync } from '../util/write-all.ts';
import {
  attachedProbesJson,
  exitMapsJson,
  helperErrorJson,
  lostEventsJson,
  mapJson,
  messageJson,
  runtimeErrorJson,
  valueJson,
} from './output/json.ts';
import { attachedProbesText, endText, exitMapsText, lostEventsText, mapText, valueLine } from './output/text.ts';
import { formatRecord } from './printf/format.ts';
import { DIVIDE_BY_ZERO_MESSAGE, runtimeErrorText, strerror } from './runtime-errors.ts';
import { monotonicToEpochNs } from './strftime.ts';
import type { AggValue, MapSnapshot, Value } from './value.ts';

/** tseries times are boot-relative, or the script's own with BPFTRACE_DUMMY_TS_MAP. */
function tseriesClock(): (ns: bigint) => bigint {
  return dummyTimeMap() === null ? monotonicToEpochNs : (ns) => ns;
}

/** print(@m, top, div) and, for a scalar map never written, the zero to print instead. */
type MapPrintOptions = { top: number; div: number; zeroScalar?: AggValue | undefined };

export interface OutputSink {
  attached(n: number): void;
  formatted(f: FormatResource, args: Value[]): void;
  value(v: Value): void;
  /** Text produced by time(), cat(), join() and system(), already formatted. */
  message(kind: 'time' | 'cat' | 'join' | 'system', text: string): void;
  map(snap: MapSnapshot, opts: MapPrintOptions): void;
  /** The run is over (before END's output is flushed and the maps are printed). */
  end(): void;
  /** Runs `fn` with all output collected instead of printed; returns it (test probes). */
  capture(fn: () => void): string;
  /** Plain text to stdout (test and benchmark reports). */
  text(s: string): void;
  /**
   * Runs `fn` (one drain of the ring buffer) with line-by-line flushing deferred to its end: the
   * records already waiting reach the reader together, in one write instead of one per line.
   */
  batch(fn: () => void): void;
  /** How many errorf() messages were printed (a test probe fails on any). */
  readonly errorCount: number;
  exitMaps(snaps: MapSnapshot[]): void;
  lost(n: bigint): void;
  warning(msg: string): void;
  /** A failure during the run that ends it (the caller stops the run). */
  error(msg: string): void;
  /** A helper call failed in the kernel, with its return code, or a divisor was 0 (runtime-errors.ts). */
  runtimeError(site: RuntimeErrorSite, retcode: number): void;
}

/** Writes byte strings (code units 0..255) as the raw bytes they stand for. */
export class Writer {
  private buf = '';
  /** Open batch() calls: while any, a flushEach writer flushes when the last one closes. */
  private holds = 0;
  /** While set, everything written is collected here instead (test probes' output). */
  captured: string | null = null;
  constructor(
    private readonly fd: number,
    private readonly flushEach: boolean,
  ) {}
  write(s: string): void {
    if (this.captured !== null) {
      this.captured += s;
      return;
    }
    this.buf += s;
    if ((this.flushEach && this.holds === 0) || this.buf.length > 65536) this.flush();
  }
  batch(fn: () => void): void {
    this.holds++;
    try {
      fn();
    } finally {
      if (--this.holds === 0 && this.flushEach) this.flush();
    }
  }
  flush(): void {
    if (!this.buf) return;
    const bytes = Buffer.from(this.buf, 'latin1');
    this.buf = '';
    writeAllSync(this.fd, bytes);
  }
}

/** system(): runs the command through the shell and returns what it printed. */
function runSystem(cmd: string): string {
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const r = spawnSync('/bin/sh', ['-c', Buffer.from(cmd, 'latin1').toString()], { stdio: ['ignore', 'pipe', 'inherit'] });
  return r.stdout ? r.stdout.toString('latin1') : '';
}

/** `file:line:col-col` of a call in the script, as bpftrace 0.26 prefixes errorf/warnf. */
function where(source: SourceFile | null, span: Span): string {
  if (!source) return '';
  const at = locate(source, span.start);
  const a = lineCol(at.file.text, at.offset);
  const b = lineCol(at.file.text, at.offset + (span.end - span.start));
  return `${at.file.name}:${a.line}:${a.col}-${b.line === a.line ? b.col : a.col + 1}: `;
}

export class TextSink implements OutputSink {
  errorCount = 0;
  capture(fn: () => void): string {
    this.out.flush();
    this.out.captured = '';
    this.err.captured = '';
    try {
      fn();
      return (this.out.captured ?? '') + (this.err.captured ?? '');
    } finally {
      this.out.captured = null;
      this.err.captured = null;
    }
  }
  text(s: string): void {
    this.out.write(s);
    this.out.flush();
  }
  batch(fn: () => void): void {
    this.out.batch(fn);
  }
  constructor(
    private readonly out: Writer,
    private readonly err: Writer,
    private readonly quiet: boolean,
    private readonly source: SourceFile | null = null,
  ) {}
  attached(n: number): void {
    if (!this.quiet) this.err.write(attachedProbesText(n));
    this.err.flush();
  }
  /** `file:l:c-c: ERROR: expanded from` and the line, for each macro use an errorf/warnf came through. */
  private expansionText(f: FormatResource, severity: 'error' | 'warning'): string {
    const source = this.source;
    if (!source || !f.expandedFrom) return '';
    return f.expandedFrom.map((span) => renderDiagnostic(source, { severity, message: 'expanded from', span, hints: [] })).join('');
  }
  formatted(f: FormatResource, args: Value[]): void {
    const text = formatRecord(f, args);
    switch (f.kind) {
      case 'system':
        // 0.26 prints what the command wrote, then a newline.
        this.out.write(`${runSystem(text)}\n`);
        return;
      case 'errorf':
        this.errorCount++;
        this.out.flush();
        this.err.write(`${where(this.source, f.span)}ERROR: ${text}\n${this.expansionText(f, 'error')}`);
        this.err.flush();
        return;
      case 'warnf':
        this.out.flush();
        this.err.write(`${where(this.source, f.span)}WARNING: ${text}\n${this.expansionText(f, 'warning')}`);
        this.err.flush();
        return;
      default:
        this.out.write(text);
    }
  }
  value(v: Value): void {
    this.out.write(valueLine(v));
  }
  message(_kind: 'time' | 'cat' | 'join' | 'system', text: string): void {
    this.out.write(text);
  }
  map(snap: MapSnapshot, opts: MapPrintOptions): void {
    this.out.write(mapText(snap, { ...opts, clock: tseriesClock() }));
  }
  end(): void {
    this.out.write(endText());
  }
  exitMaps(snaps: MapSnapshot[]): void {
    this.out.write(exitMapsText(snaps, { clock: tseriesClock() }));
    this.out.flush();
  }
  lost(n: bigint): void {
    this.out.flush();
    this.err.write(lostEventsText(n));
    this.err.flush();
  }
  warning(msg: string): void {
    this.out.flush();
    this.err.write(`WARNING: ${msg}\n`);
    this.err.flush();
  }
  error(msg: string): void {
    this.out.flush();
    this.err.write(`ERROR: ${msg}\n`);
    this.err.flush();
  }
  runtimeError(site: RuntimeErrorSite, retcode: number): void {
    const message = runtimeErrorText(site, retcode);
    this.out.flush();
    // As bpftrace: the location, the message, then the source line with the call underlined.
    this.err.write(
      this.source ? renderDiagnostic(this.source, { severity: 'warning', message, span: site.span, hints: [] }) : `WARNING: ${message}\n`,
    );
    this.err.flush();
  }
}

export class JsonSink implements OutputSink {
  errorCount = 0;
  capture(fn: () => void): string {
    fn();
    return '';
  }
  text(s: string): void {
    this.out.write(s);
  }
  batch(fn: () => void): void {
    this.out.batch(fn);
  }
  constructor(
    private readonly out: Writer,
    private readonly err: Writer,
    private readonly source: SourceFile | null = null,
    private readonly quiet = false,
  ) {}
  attached(n: number): void {
    // -q leaves the attached_probes record out in JSON too, as bpftrace 0.26.
    if (!this.quiet) this.out.write(attachedProbesJson(n));
  }
  formatted(f: FormatResource, args: Value[]): void {
    const text = formatRecord(f, args);
    if (f.kind === 'system') {
      this.out.write(messageJson('syscall', runSystem(text)));
      return;
    }
    if (f.kind === 'errorf' || f.kind === 'warnf') {
      if (f.kind === 'errorf') this.errorCount++;
      this.err.write(`${f.kind === 'errorf' ? 'ERROR' : 'WARNING'}: ${text}\n`);
      return;
    }
    this.out.write(messageJson('printf', text));
  }
  value(v: Value): void {
    this.out.write(valueJson(v));
  }
  message(kind: 'time' | 'cat' | 'join' | 'system', text: string): void {
    // join()'s text ends its line in text output; in JSON the data is the joined words alone.
    this.out.write(messageJson(kind === 'system' ? 'syscall' : kind, kind === 'join' ? text.replace(/\n$/, '') : text));
  }
  map(snap: MapSnapshot, opts: MapPrintOptions): void {
    this.out.write(mapJson(snap, { ...opts, clock: tseriesClock() }));
  }
  end(): void {}
  exitMaps(snaps: MapSnapshot[]): void {
    this.out.write(exitMapsJson(snaps, { clock: tseriesClock() }));
    this.out.flush();
  }
  lost(n: bigint): void {
    this.out.write(lostEventsJson(n));
  }
  warning(msg: string): void {
    this.err.write(`WARNING: ${msg}\n`);
  }
  error(msg: string): void {
    this.err.write(`ERROR: ${msg}\n`);
  }
  runtimeError(site: RuntimeErrorSite, retcode: number): void {
    // 0.26 puts these on stdout in JSON mode, with the start of the location only.
    const file = this.source ? locate(this.source, site.span.start) : null;
    const at = file ? lineCol(file.file.text, file.offset) : { line: 0, col: 0 };
    const loc = { filename: file?.file.name ?? 'stdin', line: at.line, col: at.col };
    this.out.write(
      site.kind === 'helper'
        ? helperErrorJson(strerror(retcode), site.helper, retcode, loc)
        : runtimeErrorJson(DIVIDE_BY_ZERO_MESSAGE, loc),
    );
  }
}
