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
  jsonString,
  lostEventsJson,
  mapJson,
  messageJson,
  runtimeErrorJson,
  valueJson,
} from './output/json.ts';
import { attachedProbesText, endText, exitMapsText, lostEventsText, mapText, valueLine } from './output/text.ts';
import { formatRecord } from './printf/format.ts';
import { runtimeErrorText, strerror } from './runtime-errors.ts';
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
  /** Plain text to stdout. */
  text(s: string): void;
  /**
   * --test: test `index` of `names` ran; `passed` holds the results so far (this one last) and
   * `output` what it printed, as text.
   */
  testResult(names: readonly string[], index: number, durationNs: number, passed: readonly boolean[], output: string): void;
  /** --bench: benchmark `index` of `names` averaged `averageNs` per run over `iters` runs. */
  benchmarkResult(names: readonly string[], index: number, averageNs: number, iters: number): void;
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
  /** A writer that only collects (what a test probe prints, kept for its report). */
  static memory(): Writer {
    const w = new Writer(-1, false);
    w.captured = '';
    return w;
  }
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

/** bpftrace's duration_str: the display unit and its scale in ns. */
function durationUnit(ns: number): [string, number] {
  if (ns >= 1e9) return ['s', 1e9];
  if (ns >= 1e6) return ['ms', 1e6];
  // μs as UTF-8 bytes: output strings are byte strings.
  if (ns >= 1e3) return ['\xce\xbcs', 1e3];
  return ['ns', 1];
}

const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

/**
 * A text sink whose output is kept in memory: what a test probe prints while it runs (its
 * report shows it when it fails, in text and JSON mode alike, as bpftrace captures it).
 */
export function memoryTextSink(source: SourceFile | null): { sink: TextSink; text: () => string } {
  const w = Writer.memory();
  return { sink: new TextSink(w, w, false, source), text: () => w.captured ?? '' };
}

export class TextSink implements OutputSink {
  errorCount = 0;
  testResult(names: readonly string[], index: number, durationNs: number, passed: readonly boolean[], output: string): void {
    const name = names[index] ?? '';
    let text = index === 0 ? `${GREEN}[==========]${RESET} Running ${names.length} tests.\n` : '';
    text += `${GREEN}[ RUN      ]${RESET} ${name}\n`;
    const ok = passed[index] === true;
    // A failed test shows what it printed between its RUN and FAILED lines.
    if (!ok) for (const line of output.split('\n')) if (line) text += `${line}\n`;
    const [unit, scale] = durationUnit(durationNs);
    // bpftrace prints the unit's scale here, not the duration; kept for identical output.
    text += `${ok ? `${GREEN}[       OK ]` : `${RED}[  FAILED  ]`}${RESET} ${name} (${scale} ${unit})\n`;
    if (index === names.length - 1) {
      const word = (n: number): string => (n === 1 ? 'test' : 'tests');
      const nOk = passed.filter(Boolean).length;
      const nBad = passed.length - nOk;
      text += `${GREEN}[==========]${RESET} ${names.length} ${word(names.length)} ran.\n`;
      text += `${GREEN}[  PASSED  ]${RESET} ${nOk} ${word(nOk)}.\n`;
      if (nBad > 0) {
        text += `${RED}[  FAILED  ]${RESET} ${nBad} ${word(nBad)}, listed below:\n`;
        names.forEach((x, j) => {
          if (!passed[j]) text += `${RED}[  FAILED  ]${RESET} ${x}\n`;
        });
      }
    }
    this.text(text);
  }
  benchmarkResult(names: readonly string[], index: number, averageNs: number, iters: number): void {
    const width = Math.max(40, 'Benchmark'.length, ...names.map((b) => b.length)) + 1;
    let text = '';
    // As bpftrace: the header comes with the first benchmark's row.
    if (index === 0)
      text += `${'Benchmark'.padEnd(width)}${'Time(ns)'.padEnd(15)}Iterations\n${'-'.repeat(width + 15 + 'Iterations'.length)}\n`;
    text += `${(names[index] ?? '').padEnd(width)}${String(averageNs).padEnd(15)}${iters}\n`;
    this.text(text);
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
        this.err.write(`${f.at ? `${f.at}: ` : where(this.source, f.span)}ERROR: ${text}\n${this.expansionText(f, 'error')}`);
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
  testResult(names: readonly string[], index: number, durationNs: number, passed: readonly boolean[], output: string): void {
    this.out.write(
      `{"type": "test_result", "data": {${jsonString(names[index] ?? '')}: {"duration": ${durationNs}, "passed": ${passed[index] === true}, "output": ${jsonString(output)}}}}\n`,
    );
  }
  benchmarkResult(names: readonly string[], index: number, averageNs: number, iters: number): void {
    this.out.write(
      `{"type": "benchmark_result", "data": {${jsonString(names[index] ?? '')}: {"average": ${averageNs}, "iters": ${iters}}}}\n`,
    );
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
        : runtimeErrorJson(runtimeErrorText(site, retcode), loc),
    );
  }
}
