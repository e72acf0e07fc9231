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
}

export const USAGE = `USAGE:
    bpftrace-ts [options] filename
    bpftrace-ts [options] - <stdin input>
    bpftrace-ts [options] -e 'program'

OPTIONS:
    -B MODE        output buffering mode ('full', 'none')
    -f FORMAT      output format ('text', 'json')
    -o file        redirect bpftrace output to file
    -e 'program'   execute this program
    -h, --help     show this help message
    -I DIR         add the directory to the include search path
    --include FILE add an #include file before preprocessing
    -l [search|filename]
                   list kernel probes or probes in a program
    -p PID         enable USDT probes on PID
    -c 'CMD'       run CMD and enable USDT probes on resulting process
    --unsafe       allow unsafe/destructive functionality
    -q             keep messages quiet
    --info         print information about kernel BPF support
    -k, --warnings emit a warning when probe read helpers return an error
    -V, --version  bpftrace version
    --no-warnings  disable all warning messages
    --fmt          print the script in canonical form and exit
    --test         run the script's test probes
    --bench        run the script's bench probes

TROUBLESHOOTING OPTIONS:
    -v, --verbose           verbose messages
    --dry-run               terminate execution right after attaching all the probes
    -d STAGE                debug info for various stages of bpftrace execution
                            ('all', 'ast', 'codegen', 'asm', 'parse')
`;

const KK_DEPRECATED = 'USAGE: -kk has been deprecated. Use a single -k for runtime warnings for errors in map lookups and probe reads.';

export function parseArgs(rawArgv: readonly string[]): CliOptions {
  // getopt's `--name=value` spelling of the long options that take a value.
  const argv = rawArgv.flatMap((a) => {
    const eq = /^(--(?:pid|cmd|output|mode|include))=(.*)$/s.exec(a);
    return eq ? [eq[1] as string, eq[2] as string] : [a];
  });
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
  };
  let listing = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (name: string): string => {
      const v = argv[++i];
      if (v === undefined) throw new UserError(`option requires an argument -- '${name}'`, ['see bpftrace-ts --help']);
      return v;
    };
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    // As GNU getopt permutes: options are read after the script file and positional
    // parameters too (`script.bt -p PID 1`); anything else there is the script's.
    if (!a.startsWith('-') || a === '-' || (rest.length > 0 && !CLI_OPTIONS.has(a))) {
      rest.push(a);
      continue;
    }
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
        o.includes.push(value('include'));
        break;
      default:
        if (/^-l.+/.test(a)) {
          listing = true;
          break;
        }
        throw new UserError(`unrecognized option '${a}'`, ['see bpftrace-ts --help']);
    }
    if (
      listing &&
      o.list === null &&
      argv[i + 1] !== undefined &&
      !argv[i + 1]?.startsWith('-') &&
      (a === '-l' || a === '-lv' || a === '-vl' || a === '-v')
    ) {
      o.list = argv[++i] as string;
    }
  }
  if (o.warnings && o.noWarnings) throw new UserError('USAGE: -k, --warnings conflicts with --no-warnings');
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

/** Every option spelling the switch in parseArgs takes. */
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
