// bpftrace-ts entry point: flags → source → compile → run. Every failure a user can cause ends
// here as a message (with the script location when there is one) and exit code 1.

import { existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setDisabledFeatures } from '../bpf/disabled-features.ts';
import { VerifierError } from '../bpf/program.ts';
import { errnoMessage, SyscallError } from '../bpf/sys.ts';
import { compile } from '../codegen/compile.ts';
import { setDebuginfoPaths } from '../elf/debug-paths.ts';
import type { SourceFile } from '../lang/ast.ts';
import { CompileAbort, Diagnostics, UserError } from '../lang/diagnostics.ts';
import { formatScript, parseScript } from '../lang/frontend.ts';
import { setAvailableFilterText } from '../probes/info/symbol-sources.ts';
import { userProbeEnv } from '../probes/user-env.ts';
import { type ChildCommand, planCommand, TracedChild } from '../runtime/child.ts';
import { checkProbeLimit } from '../runtime/probe-limit.ts';
import { JsonSink, TextSink, Writer } from '../runtime/sink.ts';
import { Tracer } from '../runtime/tracer.ts';
import { releaseTracefs } from '../util/tracefs.ts';
import { aotCommandLine, aotUsage, writeAot } from './aot.ts';
import { type CliOptions, parseArgs, USAGE, UsageError } from './args.ts';

/**
 * bpftrace's `bpftrace vX.Y.Z` first, naming the release whose language and output we follow,
 * so scripts that check the version see a bpftrace; then who we are.
 */
const VERSION = 'bpftrace v0.26.1 (bpftrace-ts 0.1.0)';

/** argv arrives decoded as UTF-8; the pipeline works on byte strings. */
function bytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function fail(msg: string, hints: readonly string[] = []): number {
  process.stderr.write(Buffer.from(`ERROR: ${msg}\n${hints.map((h) => `HINT: ${h}\n`).join('')}`, 'latin1'));
  return 1;
}

/** errno names of the file errors users cause, as strerror() words them. */
function strerrorOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    default:
      return String(code);
  }
}

/**
 * --probe-filter's regex (ECMAScript syntax, like bpftrace's std::regex), or null without one;
 * a bad one is the user's error, reported in bpftrace's words.
 */
function probeFilter(source: string | null): RegExp | null {
  if (source === null) return null;
  try {
    return new RegExp(source);
  } catch (e) {
    const why = (e as Error).message.replace(/^Invalid regular expression: (?:\/.*\/\w*: )?/s, '');
    throw new UserError(`Invalid --probe-filter regex '${source}': ${why}`, [
      'the filter is an ECMAScript regular expression, matched anywhere in the probe name',
    ]);
  }
}

/** Settings that change how probes are found and attached, for listing and tracing alike. */
function applyProbeOptions(opts: CliOptions): void {
  setDisabledFeatures(opts.noFeatures);
  setDebuginfoPaths(opts.debuginfo);
  if (opts.traceableFunctions !== null) {
    try {
      setAvailableFilterText(readFileSync(opts.traceableFunctions, 'latin1'));
    } catch (e) {
      throw new UserError(
        `Failed to open kernel function info: Could not read functions from ${opts.traceableFunctions}. (${strerrorOf(e)})`,
        ['--traceable-functions takes a file in the format of tracefs available_filter_functions'],
      );
    }
  }
}

/**
 * The tracer's thread is named as bpftrace's process is: scripts leave the tracer out with
 * `/comm != "bpftrace"/`, and `comm` in BEGIN (which runs on this thread) reads "bpftrace".
 */
function nameThreadBpftrace(): void {
  try {
    writeFileSync('/proc/self/comm', 'bpftrace');
  } catch {
    // Without /proc the name stays the runtime's: only such filters notice.
  }
}

async function main(rawArgv: string[]): Promise<number> {
  nameThreadBpftrace();
  let argv = rawArgv.map(bytes);
  let programName = 'stdin';
  // An --aot program's file runs `bpftrace-ts --aot-run FILE ARGS...`.
  if (argv[0] === '--aot-run') {
    const file = rawArgv[1] ?? '';
    const run = aotCommandLine(file, argv.slice(2));
    if (run.kind === 'usage') {
      (run.ok ? process.stdout : process.stderr).write(aotUsage(file));
      return run.ok ? 0 : 1;
    }
    argv = run.argv;
    programName = run.name ?? programName;
  }
  const opts = parseArgs(argv);
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (opts.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  applyProbeOptions(opts);
  if (opts.info) {
    // What this kernel supports, from the feature probes.
    const { infoReport } = await import('./info.ts');
    process.stdout.write(infoReport(VERSION));
    return 0;
  }
  // bpftrace checks the -c command before anything else (`Failed to fork child: ...`).
  let command: ChildCommand | null = null;
  if (opts.command) {
    try {
      // Arguments arrive as bytes in latin1 strings; the file system and spawn() take UTF-8.
      command = planCommand(Buffer.from(opts.command, 'latin1').toString());
    } catch (e) {
      if (e instanceof UserError) return fail(e.message, e.hints);
      throw e;
    }
  }
  if (opts.list !== null) {
    // -l 'usdt:*' -p PID lists the probes of that process's objects.
    userProbeEnv.pid = opts.pid;
    // Listing, dumps and disassembly load on demand: a plain run never pays for them.
    const listing = await import('./list.ts');
    if (opts.program !== null) return listing.listProgramProbes({ name: 'stdin', text: opts.program }, opts.listVerbose);
    // `-l FILE` lists the probes of the script in FILE (bpftrace: when the file exists).
    if (opts.list !== '*' && isFile(opts.list)) {
      let text: string;
      try {
        text = readFileSync(opts.list, 'latin1');
      } catch (e) {
        return fail(`failed to open file '${opts.list}': ${strerrorOf(e)}`);
      }
      return listing.listProgramProbes({ name: opts.list, text }, opts.listVerbose);
    }
    return listing.listProbes(opts.list, opts.listVerbose);
  }

  let source: SourceFile;
  if (opts.program !== null) source = { name: programName, text: opts.program };
  else {
    const file = opts.scriptFile as string;
    try {
      const text = file === '-' ? readFileSync(0) : readFileSync(file);
      source = { name: file === '-' ? 'stdin' : file, text: text.toString('latin1') };
    } catch (e) {
      return fail(`failed to open file '${file}': ${strerrorOf(e)}`);
    }
  }

  const filter = probeFilter(opts.probeFilter);
  const diags = new Diagnostics(source);
  diags.suppressWarnings = opts.noWarnings;
  const flushDiags = (): void => {
    const text = diags.render();
    diags.list.length = 0;
    if (text) process.stderr.write(Buffer.from(text, 'latin1'));
  };
  let child: TracedChild | null = null;
  try {
    if (opts.fmt) {
      const text = formatScript(source, diags);
      flushDiags();
      if (text === null) return 1;
      process.stdout.write(Buffer.from(text, 'latin1'));
      return 0;
    }
    const program = parseScript(source, diags, {
      headers: {
        includeDirs: opts.includeDirs,
        includes: opts.includes,
        scriptDir: opts.scriptFile && opts.scriptFile !== '-' ? dirname(resolve(opts.scriptFile)) : process.cwd(),
        haveBtf: existsSync('/sys/kernel/btf/vmlinux'),
      },
    });
    if (opts.debug.includes('ast') || opts.debug.includes('parse') || opts.debug.includes('all')) {
      const { dumpAst } = await import('../lang/ast-dump.ts');
      process.stdout.write(Buffer.from(dumpAst(program), 'latin1'));
    }
    if (command && !opts.dryRun && opts.debug.length === 0 && opts.aot === null) child = await TracedChild.start(command);
    const script = compile(program, diags, {
      positional: opts.positional,
      unsafe: opts.unsafe,
      env: process.env,
      cpid: child?.pid ?? null,
      childBinary: command?.binary ?? null,
      pid: opts.pid,
      named: opts.named,
      // 0.26: failed map updates are reported by default, probe reads and lookups with -k.
      warningLevel: opts.noWarnings ? 0 : opts.warnings ? 2 : 1,
      probeFilter: filter,
      // --aot: the kernel that runs the program decides what it supports.
      deferKernelSupport: opts.dryRun || opts.aot !== null,
    });
    flushDiags();
    if (script.programs.length === 0 && opts.debug.length === 0) {
      // --probe-filter (or missing_probes = ignore) left nothing: bpftrace says so and fails.
      if (!opts.quiet) process.stdout.write('No probes to attach\n');
      return 1;
    }
    if (opts.debug.some((d) => d === 'codegen' || d === 'asm' || d === 'all')) {
      const { disasm } = await import('../bpf/disasm.ts');
      for (const p of script.programs) {
        process.stdout.write(`; ${p.targets.map((t) => t.name).join(', ')}\n${disasm(p.spec.insns)}\n`);
      }
    }
    if (opts.debug.length > 0) return 0;
    if (opts.aot !== null) {
      writeAot(opts.aot, source, opts);
      return 0;
    }
    checkProbeLimit(script);
    const privileged = mayLoadPrograms();
    // --dry-run without the privilege to load stops once compiled: what can be checked, is.
    if (opts.dryRun && !privileged) return 0;
    if (!privileged) {
      // Without root (or CAP_BPF + CAP_PERFMON) the kernel refuses before we learn much; say so first.
      return fail('bpftrace-ts requires root, or the CAP_BPF and CAP_PERFMON capabilities, to load BPF programs', ['run it with sudo']);
    }
    const outFd = opts.outputFile ? openSync(opts.outputFile, 'w') : 1;
    // Output is line-buffered as bpftrace's (readers of a pipe see events as they happen): the
    // lines of the records waiting in the ring at one wakeup go out in one write; -B full
    // buffers everything.
    const out = new Writer(outFd, opts.buffering !== 'full');
    const err = new Writer(2, true);
    const sink = opts.format === 'json' ? new JsonSink(out, err, source, opts.quiet) : new TextSink(out, err, opts.quiet, source);
    const tracer = new Tracer(script, sink, source);
    const running = child;
    const code = await tracer.run({
      onAttached: () => running?.resume(),
      stopSignal: running ? running.exited.then(() => undefined) : undefined,
      pid: opts.pid,
      mode: opts.mode,
      verifierLog: opts.verbose,
      loadOnly: opts.dryRun,
    });
    out.flush();
    return code;
  } catch (e) {
    flushDiags();
    if (e instanceof CompileAbort) return 1;
    if (e instanceof VerifierError && opts.verbose) return failVerbose(e);
    if (e instanceof VerifierError) {
      return fail(`the kernel's verifier rejected ${e.program}: ${e.message}\n${e.log.trim().split('\n').slice(-8).join('\n')}`, [
        ...e.hints,
      ]);
    }
    if (e instanceof UserError) return fail(e.message, e.hints);
    if (e instanceof SyscallError) {
      const hints: string[] = [];
      if (e.errno === 1 || e.errno === 13) hints.push('loading BPF programs needs root, or the CAP_BPF and CAP_PERFMON capabilities');
      return fail(e.message, hints);
    }
    throw e;
  } finally {
    child?.kill();
    releaseTracefs();
  }
}

/** -v: bpftrace's report of a refused program, with the whole verifier log. */
function failVerbose(e: VerifierError): number {
  let text = `ERROR: Error loading BPF program for ${e.program}. Error code: -${e.errno} (${errnoMessage(e.errno)}).\nKernel error log: \n${e.log}\n`;
  // The verifier ends a complete log with its "processed N insns" summary.
  if (e.truncated || !/processed \d+ insns/.test(e.log))
    text += `WARNING: Kernel log seems to be trimmed. This may be due to buffer not being big enough, try increasing the BPFTRACE_LOG_SIZE environment variable beyond the current value of ${e.logSize} bytes. Or, add the configuration \`config = { log_size = N; }\` to the script.\n`;
  for (const h of e.hints) text += `HINT: ${h}\n`;
  process.stderr.write(text);
  return 1;
}

/** Root, or CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON: what loading tracing programs takes. */
function mayLoadPrograms(): boolean {
  if (process.getuid?.() === 0) return true;
  const caps = readCapEff();
  const has = (c: bigint): boolean => ((caps >> c) & 1n) === 1n;
  const CAP_SYS_ADMIN = 21n;
  const CAP_PERFMON = 38n;
  const CAP_BPF = 39n;
  return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
}

function readCapEff(): bigint {
  try {
    const m = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Worker threads waiting in epoll must not keep the process alive.
    setImmediate(() => process.exit(code));
  },
  (e: unknown) => {
    if (e instanceof UserError) process.exit(fail(e.message, e.hints));
    if (e instanceof UsageError) {
      process.stderr.write(`bpftrace-ts: ${e.message}\n${USAGE}`);
      process.exit(1);
    }
    // A bug of ours, not the user's: one line, and the stack only when asked for (-v).
    const err = e as Error;
    const verbose = process.argv.includes('-v');
    process.stderr.write(
      `ERROR: internal error: ${err?.message ?? String(e)}\n${verbose && err?.stack ? `${err.stack}\n` : 'HINT: run with -v for details, and please report it\n'}`,
    );
    process.exit(1);
  },
);
