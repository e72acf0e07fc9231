// Command-line parsing with bpftrace's flags and meanings.

import { existsSync } from 'node:fs';
import { UserError } from '../lang/diagnostics.ts';

export interface CliOptions {
  program: string | null;
  scriptFile: string | null;
  list: string | null;
  listVerbose: boolean;
  pid: number | null;
  command: string | null;
  format: 'text' | 'json';
  outputFile: string | null;
  quiet: boolean;
  verbose: boolean;
  debug: string[];
  dryRun: boolean;
  fmt: boolean;
  unsafe: boolean;
  /** -k: run-time warnings for failed probe reads and map lookups too (level 2). */
  warnings: boolean;
  buffering: 'full' | 'line' | 'none' | null;
  noWarnings: boolean;
  version: boolean;
  help: boolean;
  /** --test / --bench: run test or bench probes instead of tracing. */
  mode: 'trace' | 'test' | 'bench';
  info: boolean;
  positional: string[];
  /** Named script options after `--` (`--name` or `--name=value`), for getopt(). */
  named: Map<string, string | null>;
  includes: string[];
  includeDirs: string[];
  /** --probe-filter: only probes whose expanded name this regex finds a match in are loaded. */
  probeFilter: string | null;
  /** --traceable-functions: read the traceable kernel functions from this file. */
  traceableFunctions: string | null;
  /** --no-feature: kernel features not to use even where they work. */
  noFeatures: NoFeature[];
  /** --debuginfo: colon-separated directory lists searched for separate debug files, in order. */
  debuginfo: string[];
  /**
   * --usdt-file-activation: accepted and unused, as in bpftrace 0.26 — the kernel sets USDT
   * semaphores through the uprobes' ref_ctr_offset in every process the probe is installed in.
   */
  usdtFileActivation: boolean;
  /** --aot FILE: compile, then write FILE, an executable that runs the script (cli/aot.ts). */
  aot: string | null;
}

/** The features --no-feature can turn off (bpftrace's list). */
export const NO_FEATURES = ['kprobe_multi', 'kprobe_session', 'uprobe_multi'] as const;
export type NoFeature = (typeof NO_FEATURES)[number];

/** Long options that take a value, `--name VALUE` or `--name=VALUE` as getopt_long accepts. */
const LONG_WITH_VALUE: Record<string, string> = {
  '--include': '--include',
  '--debuginfo': '--debuginfo',
  '--probe-filter': '--probe-filter',
  '--traceable-functions': '--traceable-functions',
  '--no-feature': '--no-feature',
  '--output': '-o',
  '--pid': '-p',
  '--cmd': '-c',
  '--debug': '-d',
  '--mode': '--mode',
  '--aot': '--aot',
};

/** Long options without a value: `--name=VALUE` is refused as getopt_long does. */
const LONG_FLAGS = new Set([
  '--verbose',
  '--dry-run',
  '--fmt',
  '--test',
  '--bench',
  '--unsafe',
  '--warnings',
  '--no-warnings',
  '--version',
  '--help',
  '--info',
  '--quiet',
  '--list',
  '--usdt-file-activation',
  '--verify-llvm-ir',
]);

/** A command line getopt refuses: its message, then the usage text, as bpftrace prints them. */
export class UsageError extends Error {}

export const USAGE = `USAGE:
    bpftrace-ts [options] filename
    bpftrace-ts [options] - <stdin input>
    bpftrace-ts [options] -e 'program'

OPTIONS:
    -e 'program'   execute this program
    -l, --list [search|filename]
                   list kernel probes or probes in a program
    -v, --verbose  enable verbose messages; with -l, also show probe arguments
    -h, --help     show this help message
    -V, --version  bpftrace version
    --info         print information about kernel BPF support

    -p, --pid PID  filter actions and enable USDT probes on PID
    -c, --cmd CMD  run CMD and enable USDT probes on resulting process
    --usdt-file-activation
                   activate usdt semaphores based on file path

    -o, --output FILE
                   redirect bpftrace output to FILE
    -f FORMAT      output format ('text', 'json')
    -B MODE        output buffering mode ('line', 'full', 'none')
    -q, --quiet    keep messages quiet
    -k, --warnings emit a warning when probe read helpers return an error
    --no-warnings  disable all warning messages

    -I DIR         add the directory to the include search path
    --include FILE add an #include file before preprocessing
    --debuginfo DIR[:DIR]
                   add directories to the debug info search path
    --traceable-functions FILE
                   load the list of traceable kernel functions from FILE

    --unsafe       allow unsafe/destructive functionality
    --no-feature FEATURE[,FEATURE]
                   disable use of detected features
                   ('kprobe_multi', 'kprobe_session', 'uprobe_multi')

DEVELOPER OPTIONS:
    --test         run all test: probes
    --bench        run all bench: probes
    --probe-filter REGEX
                   only run probes whose name matches REGEX
    --fmt          format the input script and print it

    --aot FILE     compile the program, then write FILE, an executable that runs it

TROUBLESHOOTING OPTIONS:
    --dry-run      terminate execution right after attaching all the probes
    -d, --debug STAGE
                   debug info for various stages of bpftrace execution
                   ('all', 'ast', 'codegen', 'asm', 'parse')
`;

const NO_FEATURE_USAGE = "USAGE: --no-feature can only have values 'kprobe_multi,kprobe_session,uprobe_multi'.";

/** --no-feature's comma-separated list (empty items refused, as bpftrace's split keeps them). */
function parseNoFeatures(list: string): NoFeature[] {
  const items = list.split(',');
  // getline-style splitting yields no item after a trailing comma.
  if (items.length > 1 && items[items.length - 1] === '') items.pop();
  return items.map((f) => {
    const known = NO_FEATURES.find((n) => n === f);
    if (known === undefined) throw new UserError(NO_FEATURE_USAGE);
    return known;
  });
}

const KK_DEPRECATED = 'USAGE: -kk has been deprecated. Use a single -k for runtime warnings for errors in map lookups and probe reads.';

/**
 * `--name=VALUE` split as getopt_long does for options that take a value; the others refuse
 * one. Short options and plain long options come back unchanged, `--output`-style aliases as
 * their short spelling.
 */
function longOption(word: string): { option: string; inline: string | null } {
  if (!word.startsWith('--')) return { option: word, inline: null };
  const eq = word.indexOf('=');
  const name = eq < 0 ? word : word.slice(0, eq);
  const canonical = LONG_WITH_VALUE[name];
  if (canonical !== undefined) return { option: canonical, inline: eq < 0 ? null : word.slice(eq + 1) };
  if (eq >= 0 && LONG_FLAGS.has(name)) throw new UserError(`option '${name}' doesn't allow an argument`, ['see bpftrace-ts --help']);
  return { option: word, inline: null };
}

/** Short options that take a value (getopt's `x:`), and those that do not. */
const SHORT_WITH_VALUE = new Set(['B', 'I', 'c', 'd', 'e', 'f', 'o', 'p']);
const SHORT_FLAGS = new Set(['V', 'h', 'k', 'l', 'q', 'v']);

/**
 * getopt's clusters of short options: `-ve 'prog'` is `-v -e 'prog'`, `-p123` is `-p 123`
 * (spellings the switch knows whole, such as `-lv` or `-kk`, stay whole). Only words before `--`.
 */
function expandShortClusters(argv: readonly string[]): string[] {
  const out: string[] = [];
  // The word after `-e`, `-c`... is that option's value, taken as it is.
  let valueNext = false;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i] as string;
    if (valueNext || w === '--' || !/^-[A-Za-z]./.test(w) || CLI_OPTIONS.has(w)) {
      if (w === '--' && !valueNext) {
        out.push(...argv.slice(i));
        break;
      }
      out.push(w);
      valueNext = !valueNext && /^-[A-Za-z]$/.test(w) && SHORT_WITH_VALUE.has(w[1] as string);
      continue;
    }
    const parts: string[] = [];
    let ok = true;
    for (let j = 1; j < w.length; j++) {
      const c = w[j] as string;
      if (SHORT_WITH_VALUE.has(c)) {
        parts.push(`-${c}`);
        if (j + 1 < w.length) parts.push(w.slice(j + 1));
        else valueNext = true;
        break;
      }
      if (!SHORT_FLAGS.has(c)) {
        ok = false;
        break;
      }
      parts.push(`-${c}`);
    }
    if (!ok) valueNext = false;
    out.push(...(ok ? parts : [w]));
  }
  return out;
}

export function parseArgs(rawArgv: readonly string[]): CliOptions {
  const argv = expandShortClusters(rawArgv);
  const o: CliOptions = {
    program: null,
    scriptFile: null,
    list: null,
    listVerbose: false,
    pid: null,
    command: null,
    format: 'text',
    outputFile: null,
    quiet: false,
    verbose: false,
    debug: [],
    dryRun: false,
    fmt: false,
    unsafe: false,
    warnings: false,
    buffering: null,
    noWarnings: false,
    version: false,
    help: false,
    mode: 'trace',
    info: false,
    positional: [],
    named: new Map(),
    includes: [],
    includeDirs: [],
    probeFilter: null,
    traceableFunctions: null,
    noFeatures: [],
    debuginfo: [],
    usdtFileActivation: false,
    aot: null,
  };
  let listing = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    // As GNU getopt permutes: options are read after the script file and positional
    // parameters too (`script.bt -p PID 1`); anything else there is the script's.
    if (!word.startsWith('-') || word === '-' || (rest.length > 0 && !isCliOption(word))) {
      rest.push(word);
      continue;
    }
    const { option: a, inline } = longOption(word);
    const value = (name: string): string => {
      if (inline !== null) return inline;
      const v = argv[++i];
      if (v === undefined) {
        const what = name.startsWith('--') ? `option '${name}' requires an argument` : `option requires an argument -- '${name}'`;
        throw new UserError(what, ['see bpftrace-ts --help']);
      }
      return v;
    };
    switch (a) {
      case '-e':
        o.program = value('e');
        break;
      case '-l':
      case '--list':
        listing = true;
        break;
      case '-lv':
      case '-vl':
        listing = true;
        o.listVerbose = true;
        o.verbose = true;
        break;
      case '-p':
      case '--pid': {
        const v = value('p');
        o.pid = parsePid(v);
        if (!existsSync(`/proc/${v}`))
          throw new UserError(`pid '${v}' does not exist`, ['check it with ps, or start the program with -c instead']);
        break;
      }
      case '-c':
      case '--cmd':
        o.command = value('c');
        break;
      case '-f': {
        const v = value('f');
        if (v !== 'text' && v !== 'json') throw new UserError(`Invalid output format "${v}"`, ["valid formats are 'text' and 'json'"]);
        o.format = v;
        break;
      }
      case '-o':
      case '--output':
        o.outputFile = value('o');
        break;
      case '-q':
      case '--quiet':
        o.quiet = true;
        break;
      case '-v':
      case '--verbose':
        o.verbose = true;
        if (listing) o.listVerbose = true;
        break;
      case '-d':
        o.debug.push(value('d'));
        break;
      case '-dd':
        o.debug.push('all');
        break;
      case '--dry-run':
        o.dryRun = true;
        break;
      case '--fmt':
        o.fmt = true;
        break;
      case '--test':
        o.mode = 'test';
        break;
      case '--bench':
        o.mode = 'bench';
        break;
      case '--mode': {
        const v = value('mode');
        if (v !== 'test' && v !== 'bench') throw new UserError(`--mode ${v} is not supported`, ["bpftrace-ts runs 'test' and 'bench'"]);
        o.mode = v;
        break;
      }
      case '--verify-llvm-ir':
        // bpftrace checks its LLVM IR with this; there is no IR here, the kernel verifier checks the bytecode.
        break;
      case '--unsafe':
        o.unsafe = true;
        break;
      case '-k':
      case '--warnings':
        // bpftrace 0.26 made the old -k (map updates...) the default and gave -kk's meaning to -k.
        if (o.warnings) throw new UserError(KK_DEPRECATED);
        o.warnings = true;
        break;
      case '-kk':
        throw new UserError(KK_DEPRECATED);
      case '-B': {
        const v = value('B');
        if (v !== 'full' && v !== 'line' && v !== 'none') throw new UserError(`Invalid buffering mode "${v}"`);
        o.buffering = v;
        break;
      }
      case '--no-warnings':
        o.noWarnings = true;
        break;
      case '-V':
      case '--version':
        o.version = true;
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      case '--info':
        o.info = true;
        break;
      case '-I':
        o.includeDirs.push(value('I'));
        break;
      case '--include':
        o.includes.push(value('--include'));
        break;
      case '--probe-filter':
        o.probeFilter = value('--probe-filter');
        break;
      case '--traceable-functions':
        o.traceableFunctions = value('--traceable-functions');
        break;
      case '--no-feature':
        for (const f of parseNoFeatures(value('--no-feature'))) if (!o.noFeatures.includes(f)) o.noFeatures.push(f);
        break;
      case '--debuginfo':
        o.debuginfo.push(value('--debuginfo'));
        break;
      case '--usdt-file-activation':
        o.usdtFileActivation = true;
        break;
      case '--aot':
        o.aot = value('--aot');
        break;
      default:
        if (/^-l.+/.test(a)) {
          listing = true;
          break;
        }
        throw new UsageError(a.startsWith('--') ? `unrecognized option '${a}'` : `invalid option -- '${a.slice(1, 2)}'`);
    }
    if (
      listing &&
      o.list === null &&
      argv[i + 1] !== undefined &&
      !argv[i + 1]?.startsWith('-') &&
      (a === '-l' || a === '--list' || a === '-lv' || a === '-vl' || a === '-v')
    ) {
      o.list = argv[++i] as string;
    }
  }
  if (o.warnings && o.noWarnings) throw new UserError('USAGE: -k, --warnings conflicts with --no-warnings');
  if (o.warnings && o.aot !== null) throw new UserError('Cannot use -k with --aot');
  // -c's child and -p's process would both be "the traced process" (cpid, uprobe:FUNC, watchpoints).
  if (o.command && o.pid !== null) {
    throw new UserError('USAGE: Cannot use both -c and -p.', ['trace a running process with -p, or start one with -c']);
  }
  if (listing) {
    if (o.list === null) o.list = rest.shift() ?? '*';
    return o;
  }
  if (o.program === null && !o.help && !o.version && !o.info) {
    const file = rest.shift();
    if (file === undefined) throw new UserError('No program specified', ["pass a script file or -e 'program'"]);
    o.scriptFile = file;
  }
  // `--name[=value]` words are named options (getopt); the others are $1, $2...
  for (const a of rest) {
    const m = /^--([A-Za-z_][\w-]*)(?:=(.*))?$/s.exec(a);
    if (m) o.named.set(m[1] as string, m[2] ?? null);
    else o.positional.push(a);
  }
  return o;
}

/** A -p/--pid value, checked as bpftrace checks it (same messages). */
function parsePid(v: string): number {
  const m = /^(0x[0-9a-f]+|\d+)(.*)$/is.exec(v);
  if (!m) throw new UserError(`Failed to parse pid: invalid integer: ${v}`);
  if (m[2] !== '') throw new UserError(`Failed to parse pid: invalid trailing bytes: ${v}`);
  const pid = Number(m[1]);
  // The nominal maximum of pid_max on 64-bit systems, as bpftrace checks.
  if (pid > 0x400000) throw new UserError(`Pid out of range: ${pid}`);
  return pid;
}

/** Whether a word after the script file is one of our options (`--name=VALUE` included). */
function isCliOption(word: string): boolean {
  const eq = word.indexOf('=');
  const name = word.startsWith('--') && eq >= 0 ? word.slice(0, eq) : word;
  return CLI_OPTIONS.has(name) || LONG_WITH_VALUE[name] !== undefined || LONG_FLAGS.has(name);
}

/** Every short option spelling the switch in parseArgs takes, and the long ones not listed above. */
const CLI_OPTIONS: ReadonlySet<string> = new Set([
  '-e',
  '-l',
  '--list',
  '-lv',
  '-vl',
  '-p',
  '--pid',
  '-c',
  '--cmd',
  '-f',
  '-o',
  '--output',
  '-q',
  '--quiet',
  '-v',
  '--verbose',
  '-d',
  '-dd',
  '--dry-run',
  '--fmt',
  '--test',
  '--bench',
  '--mode',
  '--verify-llvm-ir',
  '--unsafe',
  '-k',
  '--warnings',
  '-kk',
  '-B',
  '--no-warnings',
  '-V',
  '--version',
  '-h',
  '--help',
  '--info',
  '-I',
  '--include',
]);
