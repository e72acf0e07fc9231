// .debug_abbrev: the shapes of DIEs (tag, children, attribute names and forms), one table per
// unit or shared by several units.

import { DW_AT_sibling, DW_FORM_implicit_const } from './constants.ts';
import { Cursor } from './cursor.ts';

/** One abbreviation: a DIE shape. Attributes are parallel arrays (tables have thousands). */
export interface Abbrev {
  code: number;
  tag: number;
  children: boolean;
  ats: number[];
  forms: number[];
  /** DW_FORM_implicit_const values (stored in the abbreviation, not the DIE); 0 for other forms. */
  implicits: number[];
  /** Total size of the attributes when every form has a fixed size in this unit, else -1. */
  fixedSize: number;
  /** Whether any attribute is one this reader decodes (else the DIE is only skipped). */
  interesting: boolean;
  /** Index of DW_AT_sibling in ats, or -1. */
  siblingIndex: number;
}

/**
 * A unit's abbreviations by code. The table is scanned once for where each declaration starts,
 * and a declaration is decoded when a DIE first uses it: with sibling links most DIEs are never
 * looked at, and a large library has thousands of tables.
 */
export class AbbrevTable {
  /** Offset in .debug_abbrev of each code's declaration (codes are usually 1..N). */
  private readonly starts: number[] = [];
  private readonly sparseStarts = new Map<number, number>();
  private readonly decoded: (Abbrev | undefined)[] = [];
  private readonly sparseDecoded = new Map<number, Abbrev>();

  constructor(
    private readonly abbrev: Buffer,
    off: number,
    /** The size of a form's value in the units using the table (-1: variable). */
    private readonly formSize: (form: number) => number,
    /** Whether the reader decodes an attribute (DIEs with none are only skipped). */
    private readonly wanted: (at: number) => boolean,
  ) {
    const c = new Cursor(abbrev, off);
    while (!c.atEnd) {
      const start = c.pos;
      const code = c.uleb();
      if (code === 0) break;
      if (code < 65536) this.starts[code] = start;
      else this.sparseStarts.set(code, start);
      c.skipLeb();
      c.skip(1);
      for (;;) {
        const at = c.uleb();
        const form = c.uleb();
        if (at === 0 && form === 0) break;
        if (form === DW_FORM_implicit_const) c.skipLeb();
      }
    }
  }

  get(code: number): Abbrev | undefined {
    const hit = code < 65536 ? this.decoded[code] : this.sparseDecoded.get(code);
    if (hit) return hit;
    const start = code < 65536 ? this.starts[code] : this.sparseStarts.get(code);
    if (start === undefined) return undefined;
    const ab = this.decode(start);
    if (code < 65536) this.decoded[code] = ab;
    else this.sparseDecoded.set(code, ab);
    return ab;
  }

  private decode(start: number): Abbrev {
    const c = new Cursor(this.abbrev, start);
    const code = c.uleb();
    const tag = c.uleb();
    const children = c.u8() !== 0;
    const ats: number[] = [];
    const forms: number[] = [];
    const implicits: number[] = [];
    let fixedSize = 0;
    let interesting = false;
    let siblingIndex = -1;
    for (;;) {
      const at = c.uleb();
      const form = c.uleb();
      if (at === 0 && form === 0) break;
      if (at === DW_AT_sibling) siblingIndex = ats.length;
      ats.push(at);
      forms.push(form);
      implicits.push(form === DW_FORM_implicit_const ? c.sleb() : 0);
      const n = this.formSize(form);
      fixedSize = n < 0 || fixedSize < 0 ? -1 : fixedSize + n;
      if (!interesting && this.wanted(at)) interesting = true;
    }
    return { code, tag, children, ats, forms, implicits, fixedSize, interesting, siblingIndex };
  }
}
