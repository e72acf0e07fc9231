// Functions in the DWARF: an index of DW_TAG_subprogram entries by name and linkage name (built
// in one pass over the units, skipping function bodies and type members), and a function's
// parameters with names and types taken through DW_AT_abstract_origin (out-of-line copies
// of inlined functions) and DW_AT_specification (C++ definitions of declared members).

import {
  DW_TAG_compile_unit,
  DW_TAG_formal_parameter,
  DW_TAG_namespace,
  DW_TAG_partial_unit,
  DW_TAG_subprogram,
  DW_TAG_type_unit,
} from './constants.ts';
import type { Die, DieAttrs, DwarfFile, Unit } from './info.ts';
import { deref } from './types.ts';

const SUBPROGRAM: ReadonlySet<number> = new Set([DW_TAG_subprogram]);
const CONTAINERS: ReadonlySet<number> = new Set([DW_TAG_compile_unit, DW_TAG_partial_unit, DW_TAG_namespace, DW_TAG_type_unit]);
/** How many abstract_origin/specification links are followed before giving up (cycles). */
const MAX_LINKS = 8;

interface FuncEntry {
  /** The unit (its file: the binary's, or a split DWARF .dwo's) and the DIE's offset there. */
  unit: Unit;
  off: number;
  lowPc: number | null;
  /** End address (exclusive), when known. */
  endPc: number | null;
  /** Has code of its own (low_pc or ranges), rather than being an abstract inline instance. */
  concrete: boolean;
}

/** An attribute of `d`, or of the DIEs it completes (abstract origin, specification). */
export function integrated<K extends keyof DieAttrs>(d: Die, key: K): DieAttrs[K] | undefined {
  let cur: Die | null = d;
  for (let i = 0; cur && i <= MAX_LINKS; i++) {
    const v = cur.attrs[key];
    if (v !== undefined) return v;
    cur = deref(cur.attrs.abstractOrigin ?? cur.attrs.specification);
  }
  return undefined;
}

export class FunctionIndex {
  private readonly byName = new Map<string, FuncEntry[]>();
  private readonly byLinkage = new Map<string, FuncEntry[]>();
  private readonly indexed = new Set<Unit>();
  private complete = false;

  constructor(readonly file: DwarfFile) {}

  /** Adds the functions of `units` (all units when omitted) that are not indexed yet. */
  private index(units?: Unit[]): void {
    if (this.complete) return;
    const todo = (units ?? this.file.codeUnits()).filter((u) => !this.indexed.has(u));
    // Functions are children of units and (C++) namespaces; type bodies hold only declarations,
    // and nested functions or local classes are not probe targets: their subtrees are skipped.
    this.file.walk(
      SUBPROGRAM,
      CONTAINERS,
      (d) => {
        this.add(d);
        return false;
      },
      todo,
    );
    for (const u of todo) this.indexed.add(u);
    if (!units) this.complete = true;
  }

  private add(d: Die): void {
    const a = d.attrs;
    // Declarations have no code (and often no parameter names): never a probe's function.
    if (a.declaration) return;
    const lowPc = a.lowPc ?? null;
    const endPc = lowPc === null || a.highPc === undefined ? null : a.highPcIsOffset ? lowPc + a.highPc : a.highPc;
    const e: FuncEntry = { unit: d.unit, off: d.off, lowPc, endPc, concrete: lowPc !== null || a.ranges === true };
    const name = a.name ?? integrated(d, 'name');
    const linkage = a.linkageName ?? integrated(d, 'linkageName');
    if (name) push(this.byName, name, e);
    if (linkage && linkage !== name) push(this.byLinkage, linkage, e);
  }

  private entries(name: string, linkage: boolean): FuncEntry[] {
    return this.byName.get(name) ?? (linkage ? this.byLinkage.get(name) : undefined) ?? [];
  }

  /**
   * The DIE of function `name` (its DW_AT_name, else, with `linkage`, its linkage name: C++'s
   * mangled names, C's asm labels such as glibc's __GI_ names): the one whose code holds
   * `vaddr` when given, else the first definition with code; without an address, the first
   * definition in the file (a concrete or an abstract inline instance).
   * With an address, the units .debug_aranges says hold it are searched first (a probe on one
   * function of a large library reads one unit, not all of them), and there a function starting
   * at `vaddr` under another name is taken too: the symbol is an alias (glibc's strtol is
   * __strtol). Only when no unit claims the address is every unit indexed.
   */
  lookup(name: string, vaddr?: number, linkage = true): Die | null {
    if (vaddr !== undefined) {
      const near = this.file.unitsAt(vaddr);
      if (near?.length) {
        this.index(near);
        const inNear = (e: FuncEntry): boolean => near.includes(e.unit);
        const hit =
          this.entries(name, linkage).find((e) => holds(e, vaddr)) ??
          this.startingAt(near, vaddr) ??
          this.entries(name, linkage).find((e) => e.lowPc === null && e.concrete && inNear(e));
        return hit ? this.file.die(hit.off, hit.unit) : null;
      }
    }
    this.index();
    const es = this.entries(name, linkage);
    let best: FuncEntry | undefined;
    if (vaddr !== undefined) best = es.find((e) => holds(e, vaddr)) ?? es.find((e) => e.concrete);
    // Without an address, the first definition in the file, as bpftrace (libdw) takes it: a
    // static function defined in several units (header inlines) lists the same parameters.
    for (const e of es) if (!best || (vaddr === undefined && e.unit.file === best.unit.file && e.off < best.off)) best = e;
    return best ? this.file.die(best.off, best.unit) : null;
  }

  /** A function of `units` whose code starts at `vaddr`, whatever its name. */
  private startingAt(units: Unit[], vaddr: number): FuncEntry | undefined {
    for (const l of this.byName.values()) {
      for (const e of l) if (e.lowPc === vaddr && units.includes(e.unit)) return e;
    }
    return undefined;
  }
}

function holds(e: FuncEntry, vaddr: number): boolean {
  if (e.lowPc === null) return false;
  return e.endPc === null ? e.lowPc === vaddr : vaddr >= e.lowPc && vaddr < e.endPc;
}

function push(m: Map<string, FuncEntry[]>, k: string, e: FuncEntry): void {
  const l = m.get(k);
  if (l) l.push(e);
  else m.set(k, [e]);
}

export interface Param {
  /** '' for an unnamed parameter (declarations, unused C++ parameters). */
  name: string;
  type: Die | null;
  artificial: boolean;
}

export interface FunctionInfo {
  die: Die;
  /** The return type; null for void. */
  ret: Die | null;
  params: Param[];
}

/** A function's return type and parameters, in declaration order. */
export function functionInfo(d: Die): FunctionInfo {
  const file = d.unit.file;
  let kids = file.children(d).filter((c) => c.tag === DW_TAG_formal_parameter);
  if (!kids.length) {
    // An entry that only completes another one (a concrete copy without parameter DIEs).
    let origin = deref(d.attrs.abstractOrigin ?? d.attrs.specification);
    for (let i = 0; origin && !kids.length && i < MAX_LINKS; i++) {
      kids = origin.unit.file.children(origin).filter((c) => c.tag === DW_TAG_formal_parameter);
      origin = deref(origin.attrs.abstractOrigin ?? origin.attrs.specification);
    }
  }
  return {
    die: d,
    ret: deref(integrated(d, 'type')),
    params: kids.map((p) => ({
      name: integrated(p, 'name') ?? '',
      type: deref(integrated(p, 'type')),
      artificial: integrated(p, 'artificial') === true,
    })),
  };
}
