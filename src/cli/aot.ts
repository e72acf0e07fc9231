// --aot FILE, bpftrace 0.26's ahead-of-time mode: the script is compiled now (every error a
// user can cause is reported here, and nothing runs), then FILE is written as an executable
// that runs it later with bpftrace's AOT runtime options (-f, -o, -q, -v, named parameters
// after `--`, no positional ones). bpftrace's FILE is its runtime shim with the compiled
// program inside; ours is a shell script that hands the program inside it to this
// installation's bpftrace-ts, whose compiler is part of the runtime (no clang or LLVM is
// needed either way), with the options given here that shape the run.

import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../lang/diagnostics.ts';
import type { CliOptions } from './args.ts';

/** Where the payload starts in the generated file: the shell never reads past its `exit`. */
const MARKER = '#--- bpftrace-ts aot payload ---\n';

interface Payload {
  /** The script's name (for messages) and text. */
  name: string;
  text: string;
  /** Options given with --aot that shape the run (output format, quiet, unsafe...). */
  options: string[];
}

/** The options of the --aot command line that the run keeps; the AOT runtime's own may add to them. */
function keptOptions(opts: CliOptions): string[] {
  const out: string[] = [];
  if (opts.format === 'json') out.push('-f', 'json');
  if (opts.quiet) out.push('-q');
  if (opts.outputFile) out.push('-o', resolve(opts.outputFile));
  if (opts.buffering) out.push('-B', opts.buffering);
  if (opts.unsafe) out.push('--unsafe');
  if (opts.warnings) out.push('-k');
  if (opts.noWarnings) out.push('--no-warnings');
  // A script file's own directory stays where its quoted includes are looked up.
  if (opts.scriptFile && opts.scriptFile !== '-') out.push('-I', dirname(resolve(opts.scriptFile)));
  for (const d of opts.includeDirs) out.push('-I', resolve(d));
  for (const f of opts.includes) out.push('--include', f);
  for (const d of opts.debuginfo) out.push('--debuginfo', d);
  if (opts.noFeatures.length > 0) out.push('--no-feature', opts.noFeatures.join(','));
  if (opts.traceableFunctions) out.push('--traceable-functions', resolve(opts.traceableFunctions));
  if (opts.probeFilter !== null) out.push('--probe-filter', opts.probeFilter);
  return out;
}

/** How FILE starts this installation: its launcher (which picks Bun or Node), else Node on the bundle. */
function launcher(): string {
  const bundle = resolve(process.argv[1] ?? '');
  const script = join(dirname(bundle), '..', 'bpftrace-ts');
  return existsSync(script) ? shellQuote(script) : `${shellQuote(process.execPath)} ${shellQuote(bundle)}`;
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Writes the executable for a script that compiled. */
export function writeAot(file: string, source: { name: string; text: string }, opts: CliOptions): void {
  const payload: Payload = { name: source.name, text: source.text, options: keptOptions(opts) };
  const text =
    '#!/bin/sh\n' +
    '# A bpftrace program compiled ahead of time by bpftrace-ts (--aot). Options: -f FORMAT, -o FILE,\n' +
    '# -q, -v; named parameters after --, e.g. `./prog -- --name=value`.\n' +
    `exec ${launcher()} --aot-run "$0" "$@"\n` +
    'exit 1\n' +
    MARKER +
    `${JSON.stringify(payload)}\n`;
  try {
    writeFileSync(file, Buffer.from(text, 'latin1'));
    chmodSync(file, 0o755);
  } catch (e) {
    throw new UserError(`Failed to write AOT file ${file}: ${(e as Error).message}`);
  }
}

/** bpftrace's AOT runtime usage, for FILE -h and a command line it refuses. */
export function aotUsage(file: string): string {
  return `USAGE: ${file} [options]

OPTIONS:
    -f FORMAT      output format ('text', 'json')
    -o file        redirect bpftrace output to file
    -q,            keep messages quiet
    -v,            verbose messages
    -d STAGE       debug info for various stages of bpftrace execution
                   ('all', 'libbpf', 'verifier')
    -h, --help     show this help message
    -V, --version  bpftrace version

`;
}

/** What `FILE [options] [-- --name=value...]` asks for, as a bpftrace-ts command line. */
/** `name`: the script's own name, for the places messages point at (the program itself goes in with -e). */
export type AotRun = { kind: 'run'; argv: string[]; name?: string } | { kind: 'usage'; ok: boolean };

/** Reads FILE's program and its run-time options (`--aot-run FILE ARGS...`). */
export function aotCommandLine(file: string, args: readonly string[]): AotRun {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    throw new UserError(`Failed to read AOT file ${file}: ${(e as Error).message}`);
  }
  const at = text.indexOf(MARKER);
  let payload: Payload;
  try {
    if (at < 0) throw new Error('no payload');
    payload = JSON.parse(text.slice(at + MARKER.length)) as Payload;
  } catch {
    throw new UserError(`${file} is not a bpftrace-ts AOT program`, ['make one with bpftrace-ts --aot FILE']);
  }
  const runtime: string[] = [];
  const named: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UserError(`option requires an argument -- '${a.slice(1)}'`);
      return v;
    };
    if (a === '-h' || a === '--help') return { kind: 'usage', ok: true };
    if (a === '-V' || a === '--version') return { kind: 'run', argv: ['--version'] };
    if (a === '-f' || a === '-o') runtime.push(a, value());
    else if (a === '-q' || a === '-v') runtime.push(a);
    else if (a === '-d') {
      // libbpf's and the verifier's logs: the verifier's comes with -v here.
      const stage = value();
      if (stage !== 'all' && stage !== 'libbpf' && stage !== 'verifier') throw new UserError(`USAGE: invalid option for -d: ${stage}`);
      runtime.push('-v');
    } else if (a === '--') continue;
    else if (/^--[A-Za-z_]/.test(a)) named.push(a);
    else if (a.startsWith('-')) return { kind: 'usage', ok: false };
    else throw new UserError('AOT does not support positional parameters');
  }
  return { kind: 'run', argv: [...payload.options, ...runtime, '-e', payload.text, '--', ...named], name: payload.name };
}
