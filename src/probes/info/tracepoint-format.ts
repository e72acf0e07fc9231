// Tracepoint `format` files (events/<category>/<event>/format) and the list of tracepoints.
//
//   name: sched_process_exec
//   ID: 365
//   format:
//   	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
//   	...                                   <- common fields, then a blank line
//   	field:__data_loc char[] filename;	offset:8;	size:4;	signed:0;
//   	field:pid_t pid;	offset:12;	size:4;	signed:1;
//
//   print fmt: "filename=%s pid=%d old_pid=%d", __get_str(filename), REC->pid, REC->old_pid

import { readdirSync, readFileSync } from 'node:fs';
import { cIntType, type IntSize } from '../../sema/types.ts';
import { tracefsPath } from '../../util/tracefs.ts';

export type TracepointFieldType =
  | { kind: 'integer'; size: IntSize; signed: boolean }
  /** `target` is the pointed-to type text: 'const char' for `const char *`. */
  | { kind: 'pointer'; target: string }
  /** A fixed array (`char comm[16]`); `length` is 0 for flexible arrays (`char buf[]`). */
  | { kind: 'array'; elemType: string; elem: TracepointFieldType; length: number }
  /**
   * A dynamic array or string stored after the fixed fields. The field is a u32: low 16 bits
   * the data's offset (from the record start for __data_loc, from the end of this field for
   * __rel_loc), high 16 bits its length in bytes.
   */
  | { kind: 'data_loc'; elemType: string; relative: boolean }
  /** Anything else (an embedded struct, a 16-byte integer): only its size is known. */
  | { kind: 'opaque'; size: number };

export interface TracepointField {
  name: string;
  /** The text between `field:` and `;`, as the kernel printed it (what `bpftrace -lv` shows). */
  decl: string;
  /** The C type without the name: `const char *`, `char[16]`, `__data_loc char[]`. */
  typeText: string;
  offset: number;
  size: number;
  signed: boolean;
  /** One of the common_* fields every event starts with (before the first blank line). */
  common: boolean;
  type: TracepointFieldType;
}

export interface TracepointFormat {
  name: string;
  id: number;
  /** All fields, common ones first, in file order. */
  fields: TracepointField[];
  printFmt: string;
}

export interface TracepointName {
  category: string;
  name: string;
}

/**
 * Size and signedness of an array element's integer type, where the file gives only the size of
 * the whole array (the same table as casts use: `char` is signed).
 */
function elementInt(name: string): { size: IntSize; signed: boolean } | null {
  return name === 'bool' || name === '_Bool' ? { size: 1, signed: false } : cIntType(name);
}

// type, name, array suffix: `const char *const * argv`, `char comm[16]`, `__data_loc char[] name`.
const DECL_RE = /^(.*?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*((?:\[[^\]]*\]\s*)*)$/;
const FIELD_RE = /^\tfield:(.*?);\toffset:(\d+);\tsize:(\d+);\tsigned:(-?\d+);/;

function isIntSize(n: number): n is IntSize {
  return n === 1 || n === 2 || n === 4 || n === 8;
}

/** Drops `const`/`volatile` words, for looking element types up in elementInt. */
function bareType(t: string): string {
  return t
    .replace(/\b(?:const|volatile)\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Structured type of a scalar (non-array) field from its type text and the file's size/signed. */
function scalarType(typeText: string, size: number, signed: boolean): TracepointFieldType {
  const t = typeText.trim();
  const star = t.lastIndexOf('*');
  if (star >= 0) {
    // Qualifiers after the last '*' qualify the pointer itself (`const void *const`).
    const after = t.slice(star + 1).trim();
    if (after === '' || /^(?:const|volatile|restrict|\s)+$/.test(after)) {
      return { kind: 'pointer', target: t.slice(0, star).trim() };
    }
  }
  if (/^(?:struct|union)\s/.test(bareType(t)) || !isIntSize(size)) return { kind: 'opaque', size };
  return { kind: 'integer', size, signed };
}

function parseField(decl: string, offset: number, size: number, signed: boolean, common: boolean): TracepointField {
  let text = decl.trim();
  let dataLoc: 'data' | 'rel' | null = null;
  if (text.startsWith('__data_loc ')) {
    dataLoc = 'data';
    text = text.slice('__data_loc '.length);
  } else if (text.startsWith('__rel_loc ')) {
    dataLoc = 'rel';
    text = text.slice('__rel_loc '.length);
  }
  const m = DECL_RE.exec(text);
  const name = m ? m[2] : text;
  const base = m ? m[1].trim() : '';
  const suffix = m ? m[3].replace(/\s+/g, '') : '';
  const typeText = (dataLoc ? `${dataLoc === 'data' ? '__data_loc' : '__rel_loc'} ` : '') + base + suffix;

  let type: TracepointFieldType;
  if (dataLoc) {
    type = { kind: 'data_loc', elemType: base.replace(/\[\]$/, '').trim(), relative: dataLoc === 'rel' };
  } else if (suffix !== '') {
    const known = elementInt(bareType(base));
    const elem: TracepointFieldType =
      base.includes('*') || !known ? scalarType(base, known?.size ?? 0, signed) : { kind: 'integer', ...known };
    const elemSize = elem.kind === 'integer' ? elem.size : elem.kind === 'pointer' ? 8 : 0;
    // Lengths are usually numbers; when the kernel printed a macro name, derive it from the size.
    const first = /^\[(\d*)\]/.exec(suffix);
    const explicit = first && first[1] !== '' ? Number(first[1]) : null;
    const length = explicit ?? (elemSize > 0 ? Math.floor(size / elemSize) : 0);
    type = { kind: 'array', elemType: base, elem, length };
  } else {
    type = scalarType(base, size, signed);
  }
  return { name, decl, typeText, offset, size, signed, common, type };
}

/** Parses the text of a format file. */
export function parseTracepointFormat(text: string): TracepointFormat {
  let name = '';
  let id = -1;
  let printFmt = '';
  const fields: TracepointField[] = [];
  let inCommon = true;
  let seenField = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('\tfield:')) {
      seenField = true;
      const m = FIELD_RE.exec(line);
      if (!m) continue;
      fields.push(parseField(m[1], Number(m[2]), Number(m[3]), m[4] !== '0', inCommon));
    } else if (line === '') {
      // The first blank line after fields ends the common block.
      if (seenField) inCommon = false;
    } else if (line.startsWith('name: ')) {
      name = line.slice(6).trim();
    } else if (line.startsWith('ID: ')) {
      id = Number(line.slice(4).trim());
    } else if (line.startsWith('print fmt: ')) {
      printFmt = line.slice('print fmt: '.length);
    }
  }
  return { name, id, fields, printFmt };
}

export function formatFilePath(category: string, event: string): string {
  return `${tracefsPath()}/events/${category}/${event}/format`;
}

/** Reads and parses events/<category>/<event>/format; throws if it cannot be read. */
export function readTracepointFormat(category: string, event: string): TracepointFormat {
  return parseTracepointFormat(readFileSync(formatFilePath(category, event), 'utf8'));
}

/**
 * The raw `type name` texts `bpftrace -lv` prints for a tracepoint: every field line after
 * the first blank line (so the common_* block is skipped), in file order.
 */
export function tracepointArgDecls(format: TracepointFormat): string[] {
  return format.fields.filter((f) => !f.common).map((f) => f.decl);
}

// Internal ftrace events (function, print, ...) sit under events/ftrace but cannot be
// attached to as tracepoints; available_events leaves them out too.
const NOT_TRACEPOINTS = new Set(['ftrace']);

/** All tracepoints, from a walk of events/ (readdir only), sorted by category then name. */
export function listTracepoints(): TracepointName[] {
  const root = `${tracefsPath()}/events`;
  const out: TracepointName[] = [];
  const categories = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !NOT_TRACEPOINTS.has(d.name))
    .map((d) => d.name)
    .sort();
  for (const category of categories) {
    let events: string[];
    try {
      events = readdirSync(`${root}/${category}`, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
    } catch {
      continue; // a category can vanish while we walk (module unload)
    }
    for (const name of events) out.push({ category, name });
  }
  return out;
}

/** A tracepoint's perf event id (events/<category>/<event>/id), or null when there is no such tracepoint. */
export function tracepointId(category: string, event: string): number | null {
  try {
    return Number(readFileSync(`${tracefsPath()}/events/${category}/${event}/id`, 'latin1').trim());
  } catch {
    return null;
  }
}
