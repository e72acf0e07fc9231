// Finding where an attach point ends, and a first sanity check of its provider. The text is kept
// raw (providers give ':' and '/' their own meanings), so this works on characters, not tokens.

import { PROBE_NAMES } from '../probes/names.ts';
import type { Span } from './ast.ts';

export interface AttachScan {
  end: number;
  errors: { span: Span; message: string }[];
}

const enum C {
  LF = 10,
  Space = 32,
  Quote = 34,
  LParen = 40,
  RParen = 41,
  Comma = 44,
  Dot = 46,
  Slash = 47,
  Colon = 58,
  Semi = 59,
  Eq = 61,
  Backslash = 92,
  LBrace = 123,
  RBrace = 125,
  Tilde = 126,
}

function isLayout(c: number): boolean {
  return c === C.Space || (c >= 9 && c <= 13);
}

/**
 * Scans one attach point starting at `start`. It ends at whitespace, `,` `;` `(` `)` `{` `}`, or
 * at a `/` that opens the predicate. A `/` belongs to the attach point only inside a path-like
 * component (one starting with `/`, `.` or `~`, as in `uprobe:/bin/bash:readline`), so
 * `kprobe:vfs_read/arg2 > 0/` still finds its predicate. A `{a,b}` set written without spaces
 * (`kprobe:{vfs_read,vfs_write}`) is part of the attach point; a quoted part may hold anything.
 */
export function scanAttachPoint(text: string, start: number): AttachScan {
  const errors: AttachScan['errors'] = [];
  const n = text.length;
  let p = start;
  let compStart = start;
  while (p < n) {
    const c = text.charCodeAt(p);
    if (isLayout(c) || c === C.Comma || c === C.Semi || c === C.LParen || c === C.RParen) break;
    if (c === C.RBrace) break;
    if (c === C.LBrace) {
      const setEnd = p > start ? braceSetEnd(text, p) : -1;
      if (setEnd < 0) break;
      p = setEnd;
      continue;
    }
    if (c === C.Colon || c === C.Eq) {
      p++;
      compStart = p;
      continue;
    }
    if (c === C.Slash) {
      const first = text.charCodeAt(compStart);
      const inPath = first === C.Slash || first === C.Dot || first === C.Tilde || relativePathAhead(text, p + 1);
      if (!inPath) break;
      p++;
      continue;
    }
    if (c === C.Quote) {
      let q = p + 1;
      while (q < n) {
        const d = text.charCodeAt(q);
        if (d === C.Quote || d === C.LF) break;
        q += d === C.Backslash ? 2 : 1;
      }
      if (q >= n || text.charCodeAt(q) !== C.Quote) {
        errors.push({ span: { start: p, end: Math.min(q, n) }, message: 'unterminated string' });
        p = Math.min(q, n);
        break;
      }
      p = q + 1;
      continue;
    }
    p++;
  }
  return { end: p, errors };
}

/**
 * Whether the text after a `/` continues a relative path that another component follows
 * (`uprobe:testprogs/prog:func`): path characters up to a `:`. A predicate (`f/arg0 > 1/`)
 * meets a space or an operator first.
 */
function relativePathAhead(text: string, from: number): boolean {
  for (let q = from; q < text.length; q++) {
    const c = text.charCodeAt(q);
    if (c === C.Colon) return q > from;
    if (!isSetChar(c) || c === 42 || c === 63) return false;
  }
  return false;
}

/** End (after `}`) of a `{a,b,c}` alternative set at `p`, or -1 if this `{` opens a block. */
function braceSetEnd(text: string, p: number): number {
  let sawComma = false;
  for (let q = p + 1; q < text.length && q < p + 4096; q++) {
    const c = text.charCodeAt(q);
    if (c === C.RBrace) return sawComma ? q + 1 : -1;
    if (c === C.Comma) sawComma = true;
    else if (!isSetChar(c)) return -1;
  }
  return -1;
}

function isSetChar(c: number): boolean {
  return (
    (c >= 48 && c <= 58) || // digits and ':'
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 95 || // _
    c === 42 || // *
    c === 63 || // ?
    c === 46 || // .
    c === 45 || // -
    c === 43 || // +
    c === 47 || // /
    c === 64 // @
  );
}

// ------------------------------------------------------------------ providers

// Spellings → canonical provider (lower case: `BEGIN` and `begin` are both `begin`), from the
// probe-type table the providers are built from.
const KNOWN = new Map<string, string>();
for (const { name, aliases } of Object.values(PROBE_NAMES)) {
  const canon = name.toLowerCase();
  for (const spelling of [name, canon, ...aliases]) if (!KNOWN.has(spelling)) KNOWN.set(spelling, canon);
}

/** Canonical provider for a spelling (`k` → kprobe, `BEGIN` → begin), or null if unknown. */
export function canonicalProvider(spelling: string): string | null {
  // The exact spelling first: `U` is usdt, its lower case `u` uprobe.
  return KNOWN.get(spelling) ?? KNOWN.get(spelling.toLowerCase()) ?? null;
}

/** The probe types an unknown provider's hint names, as scripts spell them today. */
export function providerHintList(): string {
  return Object.values(PROBE_NAMES)
    .filter((n) => n.hint)
    .map((n) => n.name.toLowerCase())
    .join(', ');
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The closest provider name to a misspelling, if it is close enough to be a likely typo. */
export function suggestProvider(spelling: string): string | null {
  const lower = spelling.toLowerCase();
  let best: string | null = null;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const { name, aliases } of Object.values(PROBE_NAMES)) {
    for (const cand of [name, ...aliases.filter((a) => a.length > 2)]) {
      const d = levenshtein(lower, cand.toLowerCase());
      if (d < bestDist) {
        bestDist = d;
        best = name.toLowerCase();
      }
    }
  }
  const allowed = Math.max(1, Math.floor(lower.length / 3));
  return bestDist <= allowed ? best : null;
}

export interface AttachParts {
  /** Offset of the provider within the raw text (after an optional `name=`). */
  providerStart: number;
  provider: string;
  /** Components after the provider, split on ':' outside quotes. */
  rest: string[];
}

/** Splits raw attach point text enough to check its provider; quotes protect ':'. */
export function splitAttachPoint(raw: string): AttachParts {
  let providerStart = 0;
  const colon = indexOutsideQuotes(raw, ':', 0);
  const eq = raw.indexOf('=');
  if (eq >= 0 && (colon < 0 || eq < colon) && !raw.slice(0, eq).includes('"')) {
    providerStart = eq + 1;
  }
  const parts: string[] = [];
  let from = providerStart;
  for (;;) {
    const i = indexOutsideQuotes(raw, ':', from);
    if (i < 0) {
      parts.push(raw.slice(from));
      break;
    }
    parts.push(raw.slice(from, i));
    from = i + 1;
  }
  return { providerStart, provider: parts[0] ?? '', rest: parts.slice(1) };
}

function indexOutsideQuotes(s: string, ch: string, from: number): number {
  let quoted = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) return i;
  }
  return -1;
}
