// printf-style format strings as bpftrace 0.26 reads them (format_string.cpp). A conversion is
//   %[-][+][ ][#][0][width|*][.precision|.*][length]conversion
// with the flags only in that order; anything else after a `%` is plain text (so `%0-5d` or `%.d`
// is not a conversion). `*` widths are accepted and ignored, and take no argument. `%%` (and
// `%5%`) is a literal `%`. Besides C's conversions bpftrace has `%r` (buffer, printable ASCII
// kept, other bytes `\xNN`), `%rx` (every byte `\xNN`), `%rh` (bytes as `NN NN`) and `%gr`
// (GFP flags by name). The type checker uses checkFormatArgs() for bpftrace's errors.

export type Conversion =
  | 'd'
  | 'i'
  | 'o'
  | 'u'
  | 'x'
  | 'X'
  | 'e'
  | 'E'
  | 'f'
  | 'F'
  | 'G'
  | 'a'
  | 'A'
  | 'c'
  | 's'
  | 'p'
  | 'n'
  | 'g'
  | 'gr'
  | 'rh'
  | 'rx'
  | 'r';

export interface FormatSpec {
  leftAlign: boolean; // -
  showSign: boolean; // +
  /** Parsed, but bpftrace never applies it. */
  spacePrefix: boolean;
  alternateForm: boolean; // #
  leadZeros: boolean; // 0
  /** 0 when absent or `*`. */
  width: number;
  /** -1 when absent or `*`; bpftrace applies it only to floating-point conversions. */
  precision: number;
  /** As written, e.g. '', 'hh', 'l', 'll', 'z'; unknown combinations ('lll', 'L') act as ''. */
  length: string;
  conversion: Conversion;
  /** The source text of the conversion, e.g. `%-08lx`. */
  text: string;
}

/** fragments.length === specs.length + 1: fragment, spec, fragment, ..., spec, fragment. */
export interface ParsedFormat {
  fragments: string[];
  specs: FormatSpec[];
}

// The same expression bpftrace uses (ECMAScript syntax in both). The alternation order matters:
// `gr`, `rh`, `rx` must be tried before `g` and `r`.
const SPEC_RE = /%(-?)(\+?)( ?)(#?)(0?)(\*|\d+)?(?:\.(\*|\d+))?([hlLjzt]*)([diouxXeEfFGaAcspn%]|gr|g|rh|rx|r)/g;

export function parseFormat(fmt: string): ParsedFormat {
  const fragments: string[] = [];
  const specs: FormatSpec[] = [];
  let fragment = '';
  let last = 0;
  SPEC_RE.lastIndex = 0;
  for (let m = SPEC_RE.exec(fmt); m !== null; m = SPEC_RE.exec(fmt)) {
    fragment += fmt.slice(last, m.index);
    last = m.index + m[0].length;
    const conv = m[9] as Conversion | '%';
    if (conv === '%') {
      fragment += '%';
      continue;
    }
    const width = m[6];
    const precision = m[7];
    specs.push({
      leftAlign: m[1] !== '',
      showSign: m[2] !== '',
      spacePrefix: m[3] !== '',
      alternateForm: m[4] !== '',
      leadZeros: m[5] !== '',
      width: width !== undefined && width !== '*' ? clampInt(width) : 0,
      precision: precision !== undefined && precision !== '*' ? clampInt(precision) : -1,
      length: m[8] ?? '',
      conversion: conv,
      text: m[0],
    });
    fragments.push(fragment);
    fragment = '';
  }
  fragments.push(fragment + fmt.slice(last));
  return { fragments, specs };
}

// bpftrace uses std::stoi, which throws past INT_MAX; widths that large cannot be printed anyway.
function clampInt(s: string): number {
  const n = Number.parseInt(s, 10);
  return Math.min(n, 0x7fffffff);
}

/** What the type checker knows about one printf argument. */
export type ArgClass = 'integer' | 'boolean' | 'pointer' | 'buffer' | 'none' | 'void' | 'other';

export interface FormatArg {
  cls: ArgClass;
  /** bpftrace's name for the type (typestr), used in messages, e.g. `string[4]`, `uint64`. */
  typeName: string;
}

const ANY_INTEGER: readonly ArgClass[] = ['integer', 'boolean', 'pointer'];

/**
 * The argument classes a conversion accepts: a list, 'any' (%s), or null when bpftrace rejects
 * the conversion altogether (floating point, %n, %g).
 */
export function acceptedArgs(conv: Conversion): readonly ArgClass[] | 'any' | null {
  switch (conv) {
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X':
    case 'c':
    case 'p':
    case 'gr':
      return ANY_INTEGER;
    case 'r':
    case 'rx':
    case 'rh':
      return ['buffer'];
    case 's':
      return 'any';
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'G':
    case 'a':
    case 'A':
    case 'n':
    case 'g':
      return null;
  }
}

/**
 * bpftrace's FormatString::check: the first problem, in its words (the caller adds the location),
 * or null. E.g. `not enough arguments for format string (1 supplied, 2 expected)`.
 */
export function checkFormatArgs(parsed: ParsedFormat, args: readonly FormatArg[]): { error: string } | null {
  const want = parsed.specs.length;
  if (args.length < want) {
    return { error: `not enough arguments for format string (${args.length} supplied, ${want} expected)` };
  }
  if (args.length > want) {
    return { error: `too many arguments for format string (${args.length} supplied, ${want} expected)` };
  }
  for (let i = 0; i < want; i++) {
    const spec = parsed.specs[i] as FormatSpec;
    const arg = args[i] as FormatArg;
    if (arg.cls === 'none' || arg.cls === 'void') {
      return { error: `unable to print none type for specifier: ${spec.conversion}` };
    }
    const accepted = acceptedArgs(spec.conversion);
    if (accepted === null) return { error: `unsupported format specifier: ${spec.conversion}` };
    if (accepted !== 'any' && !accepted.includes(arg.cls)) {
      return { error: `unsupported format specifier for type '${arg.typeName}': ${spec.conversion}` };
    }
  }
  return null;
}

/** debugf() is bpf_trace_printk: only these conversions, each for one exact type. */
export function debugfArgClass(conv: Conversion): 'integer' | 'string' | null {
  switch (conv) {
    case 'd':
    case 'u':
    case 'x':
    case 'p':
      return 'integer';
    case 's':
      return 'string';
    default:
      return null;
  }
}
