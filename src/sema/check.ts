// The type checker: gives every expression a type, fixes each map's key and value types from
// all its uses across the script, resolves variables to storage symbols, and reports every
// mismatch with the script location. Results live in side tables keyed by node id.

import { defaultSys } from '../bpf/default-sys.ts';
import { lookupBuiltin } from '../builtins/registry.ts';
import type { CheckCx } from '../builtins/types.ts';
import type { AssignStmt, Block, Call, Expr, IfStmt, NodeId, Probe, Program, Span, Stmt, TypeExpr, Variable } from '../lang/ast.ts';
import { unreachable } from '../lang/ast.ts';
import { Diagnostics, UserError } from '../lang/diagnostics.ts';
import { binary } from '../lang/headers.ts';
import { IdGen } from '../lang/ids.ts';
import { visitAll } from '../lang/walk.ts';
import { requireHelper } from '../probes/kernel/availability.ts';
import { isUserProbe } from '../probes/names.ts';
import type { ArgField, ProbeContext, ProbeTarget } from '../probes/provider.ts';
import { btfEnumConstant, btfStructByTag, btfTypeByName, type FieldInfo, kernelBtf } from './btf-types.ts';
import { definedTags, ScriptTypes } from './c-structs.ts';
import type { Config } from './config.ts';
import { type ScriptLookup, structField } from './struct-fields.ts';

/** CLOCK_MONOTONIC now, or 0 where the kernel cannot be asked (then `elapsed` counts from boot). */
function monotonicNow(): bigint {
  try {
    return defaultSys().monotonicNs();
  } catch {
    return 0n;
  }
}

import { type AggKind, castableAgg, type MapInfo, type MapValue } from './maps.ts';
import { positionalInt } from './positional.ts';
import {
  arithResult,
  assignable,
  literalIntType,
  literalOnly,
  mergeTypes,
  promoteInt,
  signedIntTypeFor,
  widerString,
} from './promotion.ts';
import {
  BOOL,
  INT64,
  intType,
  isInteger,
  parseIntTypeName,
  sizeOf,
  type Type,
  typeEquals,
  typeKindWord,
  typeName,
  UINT64,
} from './types.ts';
import { UnstableGate } from './unstable.ts';

export interface VarSymbol {
  readonly id: number;
  readonly name: string;
  type: Type | null;
  span: Span;
  /** Declared with a type (`let $x: int16`): assignments are converted to it, never promote it. */
  locked?: true;
  /**
   * The type the previous pass ended with (CheckOptions.varsAhead): reads see it, since bpftrace
   * 0.26 gives every read of a variable the type all its assignments give it, wherever they are.
   */
  ahead?: Type;
  /** Typed by something other than another variable (a value, a declaration, a loop). */
  grounded?: true;
  /** The variables assigned to it as they are (`$x = $y`): it has a type when one of them has. */
  aliases?: VarSymbol[];
}

export interface CheckedProbe {
  probe: Probe;
  targets: ProbeTarget[];
  context: ProbeContext;
  providerName: string;
}

export interface SemaResult {
  types: Map<NodeId, Type>;
  /** Variable node → its storage symbol (each `let` scope gets its own symbol). */
  vars: Map<NodeId, VarSymbol>;
  maps: Map<string, MapInfo>;
  probes: CheckedProbe[];
  /** Struct member accesses resolved from BTF: FieldAccess id → byte offset and bitfield. */
  fields: Map<NodeId, FieldInfo>;
  /** offsetof() results. */
  offsets: Map<NodeId, number>;
  /** Identifiers that are enum constants: node id → value. */
  enumConsts: Map<NodeId, bigint>;
  /** Calls that are aggregation values of map assignments: call id → map name. */
  aggCalls: Map<NodeId, string>;
  positional: string[];
  /** Pid of the -c child, for `cpid`. */
  cpid: number | null;
  /** Monotonic ns when compiled (≈ when the tool started), the origin of `elapsed`. */
  startNs: bigint;
  /** Named script options (`-- --name=value`), for getopt(). */
  named: Map<string, string | null>;
  /** Calls resolved while compiling (getopt, uaddr): call id → the value it stands for. */
  callConstants: Map<NodeId, bigint | boolean | string>;
  /** `if comptime` statements: IfStmt id → whether its then-branch is the one taken. */
  comptimeIfs: Map<NodeId, boolean>;
  /** Calls whose value is thrown away (expression statements), e.g. for delete()'s warning. */
  discarded: Set<NodeId>;
  /** Builtins that stand for a script expression (builtins/lowered.ts): call id → that expression. */
  expansions: Map<NodeId, Expr>;
}

export interface CheckOptions {
  config: Config;
  positional: string[];
  unsafe: boolean;
  cpid: number | null;
  /** Named script options (`-- --name=value`), for getopt(). */
  named: Map<string, string | null>;
  /**
   * Map types a first, silent pass learned from the whole script, so `for ($kv : @m)` can come
   * before @m's first assignment in the source (bpftrace types maps over the whole program).
   */
  mapsAhead?: ReadonlyMap<string, MapInfo>;
  /**
   * Each variable's final type from the previous pass, by the node that declared it; set on the
   * passes Checker.run repeats until every read of a variable sees the type it ends with.
   */
  varsAhead?: ReadonlyMap<NodeId, Type>;
}

/** Bounds the passes over the script when variables are read before they get their final type. */
const MAX_VAR_PASSES = 10;

/** The map kinds `let @m = KIND(n)` declares (bpftrace 0.26's BPF_MAP_TYPES). */
export const DECLARED_MAP_KINDS: readonly string[] = ['hash', 'lruhash', 'percpuhash', 'percpulruhash'];

const AGGS: ReadonlySet<string> = new Set(['count', 'sum', 'min', 'max', 'avg', 'stats', 'hist', 'lhist', 'tseries']);

export function isAggregation(name: string): name is AggKind {
  return AGGS.has(name);
}

class Scope {
  readonly vars = new Map<string, VarSymbol>();
  constructor(readonly parent: Scope | null) {}
  find(name: string): VarSymbol | null {
    return this.vars.get(name) ?? this.parent?.find(name) ?? null;
  }
}

export class Checker {
  readonly result: SemaResult;
  private scope = new Scope(null);
  private current: CheckedProbe | null = null;
  private nextVar = 0;
  private assigning: { map: string; span: Span } | null = null;
  private loopDepth = 0;
  /** Declarations typed by a variable not typed yet, checked at the end of the probe. */
  private typeofLinks: { target: VarSymbol; source: VarSymbol; span: Span }[] = [];
  /** Reads of a declared (`let $x;`) variable before anything assigned it: typed once the probe is checked. */
  private earlyReads: { id: NodeId; sym: VarSymbol; span: Span }[] = [];
  /** Every variable read and the type it got (null: none yet), to tell whether another pass is needed. */
  private readonly reads: { sym: VarSymbol; type: Type | null; span?: Span }[] = [];
  /** Inside sizeof/offsetof/typeof, which only look at a type: reading a variable there reads nothing. */
  private introspecting = 0;
  /** Every variable symbol, by the node that declared it. */
  private readonly symbols = new Map<NodeId, VarSymbol>();
  /** Checks that need every map's value type (CheckCx.afterMaps). */
  private readonly afterMapsChecks: ((maps: ReadonlyMap<string, MapInfo>) => void)[] = [];
  /** What the silent first pass learned about maps (CheckOptions.mapsAhead). */
  private mapsAhead: ReadonlyMap<string, MapInfo> = new Map();
  /** Named options getopt() declares, with their descriptions. */
  private readonly options = new Map<string, string>();
  /** struct/union definitions written in the script. */
  private readonly scriptTypes = new ScriptTypes(btfStructByTag);
  /** Ids for nodes that builtins add (continuing the program's). */
  private ids = new IdGen();
  private readonly unstable: UnstableGate;

  constructor(
    private readonly diags: Diagnostics,
    private readonly opts: CheckOptions,
  ) {
    this.unstable = new UnstableGate(diags, opts.config);
    this.result = {
      types: new Map(),
      vars: new Map(),
      maps: new Map(),
      probes: [],
      aggCalls: new Map(),
      fields: new Map(),
      offsets: new Map(),
      enumConsts: new Map(),
      positional: opts.positional,
      cpid: opts.cpid,
      startNs: monotonicNow(),
      named: opts.named,
      callConstants: new Map(),
      comptimeIfs: new Map(),
      discarded: new Set(),
      expansions: new Map(),
    };
  }

  /**
   * Checks the script. Statements are checked in order, but a variable's reads take the type
   * all its assignments give it (`let $v; $a = $v; $v = 10;` makes `$a` an int8, as in bpftrace
   * 0.26), so when a read saw another type than the variable ended with, the script is checked
   * again, each read seeing the type of the previous pass, until they agree. Only the last
   * pass's diagnostics are reported.
   */
  run(program: Program, probes: CheckedProbe[]): SemaResult {
    if (this.opts.varsAhead) return this.runPass(program, probes);
    let ahead: ReadonlyMap<NodeId, Type> = new Map();
    for (let pass = 1; ; pass++) {
      const diags = new Diagnostics(this.diags.source);
      const checker = new Checker(diags, { ...this.opts, varsAhead: ahead });
      const result = checker.runPass(program, probes);
      const next = checker.staleVarTypes();
      if (!next || pass === MAX_VAR_PASSES) {
        checker.reportUngroundedReads(diags);
        for (const d of diags.list) this.diags.report(d);
        return result;
      }
      ahead = next;
    }
  }

  /** Each variable's final type when some read saw another one (so another pass is due), else null. */
  private staleVarTypes(): Map<NodeId, Type> | null {
    const stale = this.reads.some(({ sym, type }) => sym.type !== null && (type === null || !typeEquals(type, sym.type)));
    if (!stale) return null;
    const types = new Map<NodeId, Type>();
    for (const [id, sym] of this.symbols) if (sym.type) types.set(id, sym.type);
    return types;
  }

  private runPass(program: Program, probes: CheckedProbe[]): SemaResult {
    if (!this.opts.mapsAhead && iteratesMaps(program)) {
      const ahead = new Checker(new Diagnostics(this.diags.source), { ...this.opts, mapsAhead: new Map() }).run(program, probes);
      this.mapsAhead = ahead.maps;
    }
    this.ids = IdGen.after(program);
    const redefined = program.items
      .flatMap((item) => (item.kind === 'CDefinition' ? definedTags(item.text) : []))
      // Existence only: a struct's alignment would walk all its members.
      .find((tag) => btfTypeByName(tag) !== null);
    if (redefined) this.scriptTypes.kernelTypesOff(redefined);
    const errors = this.diags.errorCount;
    for (const item of program.items) {
      if (item.kind === 'CDefinition')
        this.scriptTypes.define(item.text, item.span, this.diags, false, program.definitionsLines?.get(item.id));
    }
    // A C definition that does not compile ends it there, as clang's failure does for bpftrace.
    if (this.diags.errorCount > errors) return this.result;
    for (const item of program.items) {
      if (item.kind === 'MapDecl') this.declareMap(item.name, item.mapKind, item.args, item.span);
    }
    // The script's own headers: what parses types the script, the rest is left to BTF.
    for (const text of program.headerTypes ?? []) this.scriptTypes.define(text, program.span, this.diags, true);
    for (const p of probes) {
      this.current = p;
      this.scope = new Scope(null);
      if (p.probe.predicate) this.checkCondition(p.probe.predicate);
      this.block(p.probe.body, false);
      this.resolveTypeofLinks();
      this.resolveEarlyReads();
      this.result.probes.push(p);
    }
    this.current = null;
    for (const fn of this.afterMapsChecks) fn(this.result.maps);
    this.checkNamedOptions();
    for (const item of program.items) {
      if (item.kind !== 'MapDecl') continue;
      const m = this.result.maps.get(item.name);
      if (m && m.keySpan === null && m.valueSpan === null && m.value === null) this.diags.warning(item.span, `Unused map: @${item.name}`);
    }
    for (const m of this.result.maps.values()) {
      if (m.value === null && m.valueSpan === null && m.keySpan !== null) {
        this.diags.error(m.keySpan, `Undefined map: @${m.name}`);
      }
      this.checkDeclaredKind(m);
    }
    return this.result;
  }

  // ------------------------------------------------------------------ maps

  /** Reading count/sum/min/max/avg merges every CPU's slot with a helper older kernels lack (0.26's check). */
  private requireMergedRead(v: MapValue | null | undefined, span: Span): void {
    if (castableAgg(v) === null) return;
    try {
      requireHelper('map_lookup_percpu_elem');
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      this.diags.error(span, e.message, 'reading an aggregation inside a probe needs Linux 5.19 or later', ...e.hints);
    }
  }

  private mapInfo(name: string): MapInfo {
    let m = this.result.maps.get(name);
    if (!m) {
      m = { name, key: null, value: null, valueSpan: null, keySpan: null, declaredKind: null, maxEntries: null, iterated: false };
      this.result.maps.set(name, m);
    }
    return m;
  }

  private declareMap(name: string, kind: string, args: Expr[], span: Span): void {
    // bpftrace 0.26 declares exactly these four (bpfmap.cpp); arrays such as percpuarray are not
    // map types of the language, so they are refused as any unknown name is.
    if (!DECLARED_MAP_KINDS.includes(kind)) {
      this.diags.error(span, `Invalid bpf map type: ${kind}`, `Valid map types: ${DECLARED_MAP_KINDS.join(', ')}`);
      return;
    }
    const m = this.mapInfo(name);
    m.declaredKind = kind;
    const n = args[0] ? this.literalInt(args[0]) : null;
    if (n === null || n <= 0n) this.diags.error(args[0]?.span ?? span, `${kind}() expects a positive integer number of entries`);
    else m.maxEntries = Number(n);
  }

  /**
   * A declared map must suit its values, as bpftrace 0.26 requires: aggregations live in per-CPU
   * maps (percpuhash, percpulruhash), plain values in shared ones (hash, lruhash).
   */
  private checkDeclaredKind(m: MapInfo): void {
    if (m.declaredKind === null || m.value === null || m.keySpan === null) return;
    const perCpuValue = m.value.kind === 'agg';
    const perCpuDecl = m.declaredKind === 'percpuhash' || m.declaredKind === 'percpulruhash';
    if (perCpuValue === perCpuDecl) return;
    // bpftrace underlines the map's name at its first use.
    const at = { start: m.keySpan.start, end: m.keySpan.start + 1 + byteLength(m.name) };
    this.diags.error(
      at,
      `Incompatible map types. Type from declaration: ${m.declaredKind}. Type from value/key type: ${perCpuValue ? 'percpuhash' : 'hash'}`,
      perCpuValue ? 'aggregations such as count() need a percpuhash or percpulruhash map' : 'plain values need a hash or lruhash map',
    );
  }

  private unifyKey(name: string, keyType: Type | null, span: Span): void {
    const m = this.mapInfo(name);
    if (m.keySpan === null) {
      m.key = keyType;
      m.keySpan = span;
      return;
    }
    const merged = mergeTypes(m.key, keyType);
    if (merged === undefined) {
      this.diags.error(
        span,
        `Argument mismatch for @${name}: trying to access with arguments: '${keyType ? typeName(keyType) : 'none'}' when map expects arguments: '${m.key ? typeName(m.key) : 'none'}'`,
      );
      return;
    }
    m.key = merged;
  }

  private unifyValue(name: string, value: MapValue, span: Span): void {
    const m = this.mapInfo(name);
    if (m.value === null) {
      m.value = value;
      m.valueSpan = span;
      return;
    }
    const old = m.value;
    if (old.kind === 'agg' || value.kind === 'agg') {
      if (old.kind === 'agg' && value.kind === 'agg' && old.agg === value.agg) {
        if (value.signed) old.signed = true;
        if (old.agg === 'hist' && value.hist && old.hist && value.hist.bits !== old.hist.bits) {
          this.diags.error(span, `Different bits in a single hist unsupported`);
        }
        if (old.agg === 'lhist' && value.lhist && old.lhist) {
          const a = old.lhist;
          const b = value.lhist;
          if (a.min !== b.min || a.max !== b.max || a.step !== b.step)
            this.diags.error(span, `Different lhist bounds in a single map unsupported`);
        }
        return;
      }
      this.diags.error(
        span,
        `Type mismatch for @${name}: trying to assign value of type '${describeValue(value)}' when map already contains a value of type '${describeValue(old)}'`,
      );
      return;
    }
    const merged = mergeTypes(old.type, value.type);
    if (merged === undefined || merged === null) {
      this.diags.error(
        span,
        `Type mismatch for @${name}: trying to assign value of type '${typeName(value.type)}' when map already contains a value of type '${typeName(old.type)}'`,
      );
      return;
    }
    old.type = merged;
  }

  // ------------------------------------------------------------------ statements

  private block(b: Block, newScope = true): void {
    const saved = this.scope;
    if (newScope) this.scope = new Scope(saved);
    let state: 'running' | 'ended' | 'reported' = 'running';
    for (const s of b.stmts) {
      // As bpftrace, once: nothing after return/break/continue/exit() runs (codegen drops it).
      if (state === 'ended') {
        this.diags.warning(s.span, 'Unreachable statement.');
        state = 'reported';
      }
      this.stmt(s);
      if (state === 'running' && terminates(s)) state = 'ended';
    }
    this.scope = saved;
  }

  /** A loop's body: break and continue are allowed in it. */
  private loopBody(body: Block, newScope = true): void {
    this.loopDepth++;
    this.block(body, newScope);
    this.loopDepth--;
  }

  /**
   * A for loop's scope: its variable, then its body, in one new scope. The variable's type comes
   * from `type`, which runs after the variable is declared and before the body is checked (its
   * errors are reported in that order); null leaves it untyped.
   */
  private loopScope(variable: Variable, body: Block, type: () => Type | null): void {
    const saved = this.scope;
    this.scope = new Scope(saved);
    const sym = this.declareVar(variable, null);
    sym.type = type();
    sym.grounded = true;
    this.loopBody(body, false);
    this.scope = saved;
  }

  private stmt(s: Stmt): void {
    switch (s.kind) {
      case 'ExprStmt':
        this.exprStmt(s.expr);
        return;
      case 'AssignStmt':
        this.assign(s);
        return;
      case 'VarDeclStmt': {
        const later = s.declaredType ? this.typeofUntyped(s.declaredType) : null;
        const declared = s.declaredType && !later ? this.resolveTypeExpr(s.declaredType) : null;
        const sym = this.declareVar(s.variable, declared);
        if (s.declaredType) sym.locked = true;
        if (declared) sym.grounded = true;
        else if (later) (sym.aliases ??= []).push(later);
        if (later && s.declaredType) this.typeofLinks.push({ target: sym, source: later, span: s.declaredType.span });
        if (s.value) {
          const t = this.expr(s.value);
          if (!declared) this.typedBy(sym, s.value);
          if (declared && !assignable(declared, t)) {
            this.diags.error(
              s.value.span,
              `Type mismatch for $${s.variable.name}: trying to assign value of type '${typeName(t)}' when variable already has a type '${typeName(declared)}'`,
            );
          }
          if (!sym.type) {
            sym.type = t;
            this.typeLinked(sym);
          }
        }
        return;
      }
      case 'IfStmt':
        this.checkCondition(s.cond);
        if (s.comptime && this.comptimeIf(s)) return;
        this.block(s.then);
        if (s.else) {
          if (s.else.kind === 'IfStmt') this.stmt(s.else);
          else this.block(s.else);
        }
        return;
      case 'WhileStmt':
        this.checkCondition(s.cond);
        this.loopBody(s.body);
        return;
      case 'ForMapStmt': {
        const seen = this.result.maps.get(s.map.name);
        const m = seen?.value ? seen : this.mapsAhead.get(s.map.name);
        this.mapInfo(s.map.name).iterated = true;
        this.loopScope(s.variable, s.body, () => {
          if (m?.value) return { kind: 'tuple', elems: [m.key ?? INT64, m.value.kind === 'value' ? m.value.type : INT64] };
          this.diags.error(s.map.span, `Undefined map: @${s.map.name}`, 'a map must be assigned before it is iterated');
          return null;
        });
        return;
      }
      case 'ForRangeStmt': {
        const a = this.expr(s.start);
        const b = this.expr(s.end);
        for (const [t, e] of [
          [a, s.start],
          [b, s.end],
        ] as const) {
          if (!isInteger(t)) this.diags.error(e.span, `Loop range requires an integer, got ${typeKindWord(t)}`);
        }
        this.loopScope(s.variable, s.body, () => INT64);
        return;
      }
      case 'UnrollStmt': {
        const n = this.literalInt(s.count);
        if (n === null) this.diags.error(s.count.span, 'unroll count must be a literal integer');
        else if (n > 100n) this.diags.error(s.count.span, 'unroll maximum value is 100');
        else if (n < 1n) this.diags.error(s.count.span, 'unroll minimum value is 1');
        this.block(s.body);
        return;
      }
      case 'JumpStmt':
        if (this.loopDepth === 0) this.diags.error(s.span, `'${s.jump}' statement is not allowed outside of a loop`);
        return;
      case 'ReturnStmt':
        if (s.value) this.expr(s.value);
        return;
      case 'Block':
        this.block(s);
        return;
      default:
        unreachable(s);
    }
  }

  private exprStmt(e: Expr): void {
    // A bare aggregation call as a statement (`count();`) has no map to go into.
    if (e.kind === 'Call' && isAggregation(e.callee)) {
      this.diags.error(e.span, `${e.callee}() should be directly assigned to a map`);
      return;
    }
    if (e.kind === 'Call') this.result.discarded.add(e.id);
    const errors = this.diags.errorCount;
    const t = this.expr(e);
    // 0.26 flags a value nobody uses; `_ = e` says it is meant. delete() is left out: a discarded
    // delete reports a missing key at run time instead (stdlib.md's contract).
    const deleteCall = e.kind === 'Call' && e.callee === 'delete';
    if (t.kind !== 'void' && e.kind !== 'Update' && !deleteCall && this.diags.errorCount === errors)
      this.diags.warning(e.span, 'Return value discarded.');
  }

  /**
   * `if comptime cond`: only the branch the constant condition picks is checked (and later
   * emitted), so the other may hold fail() or code only valid for other types. False when
   * the condition is not constant (reported).
   */
  private comptimeIf(s: IfStmt): boolean {
    const v = this.constValue(s.cond);
    if (v === null) {
      this.diags.error(
        s.cond.span,
        'if comptime expects a condition known when compiling',
        'use literals, is_*() predicates, probetype, config...',
      );
      return false;
    }
    const taken = constTruthy(v);
    this.result.comptimeIfs.set(s.id, taken);
    if (taken) this.block(s.then);
    else if (s.else?.kind === 'IfStmt') this.stmt(s.else);
    else if (s.else) this.block(s.else);
    return true;
  }

  /** The value of an already checked expression when it is known while compiling, or null. */
  constValue(e: Expr): bigint | boolean | string | null {
    switch (e.kind) {
      case 'BoolLit':
        return e.value;
      case 'IntegerLit':
      case 'PositionalCount':
        return this.literalInt(e);
      case 'StringLit':
        return e.value;
      case 'PositionalParam':
        return this.literalInt(e) ?? this.literalString(e);
      case 'Call':
      case 'Identifier':
        return this.result.callConstants.get(e.id) ?? null;
      case 'Unary': {
        const v = this.constValue(e.operand);
        if (v === null) return null;
        if (e.op === '!') return !constTruthy(v);
        if (e.op === '-' && typeof v !== 'string') return -BigInt(v);
        return null;
      }
      case 'Binary':
        return this.constBinary(e.op, e.left, e.right);
      case 'FieldAccess': {
        // A field of a record a builtin stands for (typeinfo(x).base_type).
        const rec = e.base.kind === 'Call' ? this.result.expansions.get(e.base.id) : undefined;
        const f = rec?.kind === 'RecordExpr' ? rec.fields.find((x) => x.name === e.field) : undefined;
        return f ? this.constValue(f.value) : null;
      }
      default:
        return null;
    }
  }

  private constBinary(op: string, left: Expr, right: Expr): bigint | boolean | string | null {
    const l = this.constValue(left);
    if (op === '&&' && l !== null && !constTruthy(l)) return false;
    if (op === '||' && l !== null && constTruthy(l)) return true;
    const r = this.constValue(right);
    if (l === null || r === null) return null;
    if (op === '&&' || op === '||') return constTruthy(r);
    if (typeof l === 'string' || typeof r === 'string') {
      if (typeof l !== typeof r) return null;
      if (op === '==') return l === r;
      if (op === '!=') return l !== r;
      return null;
    }
    const v = binary(op, BigInt(l), BigInt(r));
    if (v === null) return null;
    return COMPARISONS.has(op) ? v !== 0n : BigInt.asIntN(64, v);
  }

  /**
   * The type of arithmetic on literals alone (`-1`, `1 + 2`, `-(1 << 4)`): bpftrace 0.26 folds
   * it into one literal before typing, so it is the type of that literal; null otherwise.
   */
  private foldedLiteralType(e: Expr): Type | null {
    if (!literalOnly(e)) return null;
    const v = this.constValue(e);
    if (typeof v !== 'bigint') return null;
    return v >= 0n ? literalIntType(v) : signedIntTypeFor(v);
  }

  /**
   * Division and modulo run unsigned, as in bpftrace (BPF has no signed division); like bpftrace
   * 0.26, say so when the operands' types differ and one is signed. A non-negative literal takes
   * the other side's sign first (0.26's sign-flexible literals), so `$i64 / 100000000000` is
   * quiet and `$i64 / 1000` (an int64 against an int16) is not; arithmetic on literals alone is
   * folded with signed rules instead.
   */
  private warnSignedDivision(op: '/' | '%', span: Span, left: [Type, Expr | null], right: [Type, Expr | null]): void {
    if ([left, right].every(([, e]) => e !== null && typeof this.constValue(e) === 'bigint')) return;
    const [l, r] = [left[0], right[0]];
    let lSigned = l.kind === 'int' && l.signed;
    let rSigned = r.kind === 'int' && r.signed;
    if (l.kind === 'int' && r.kind === 'int') {
      if (l.flexible && !r.flexible) lSigned = rSigned;
      else if (r.flexible && !l.flexible) rSigned = lSigned;
      if (l.size === r.size && lSigned === rSigned) return;
    }
    if (lSigned || rSigned)
      this.diags.warning(span, `signed operands for '${op}' can lead to undefined behavior (cast to unsigned to silence warning)`);
  }

  private assign(s: AssignStmt): void {
    const target = s.target;
    // `_ = expr`: evaluate and discard.
    if (target.kind === 'Identifier' && target.name === '_') {
      this.expr(s.value);
      return;
    }
    if (target.kind === 'MapRef' || target.kind === 'MapAccess') {
      const name = target.kind === 'MapRef' ? target.name : target.map.name;
      const keyType = target.kind === 'MapAccess' ? this.keyType(target.keys, target.span) : null;
      this.unifyKey(name, keyType, target.span);
      if (s.op === '=' && s.value.kind === 'Call' && isAggregation(s.value.callee)) {
        this.assigning = { map: name, span: target.span };
        const agg = this.aggregation(s.value);
        this.assigning = null;
        if (agg) {
          this.result.aggCalls.set(s.value.id, name);
          this.unifyValue(name, agg, s.value.span);
        }
        this.result.types.set(target.id, INT64);
        return;
      }
      const t = this.expr(s.value);
      if (t.kind === 'void') {
        this.diags.error(s.value.span, `Value of type none cannot be assigned to a map`);
        return;
      }
      if (s.op !== '=') {
        if (!isInteger(t)) this.diags.error(s.value.span, `Compound assignment requires an integer, got ${typeKindWord(t)}`);
        const existing = this.mapInfo(name).value;
        if (existing?.kind === 'agg') {
          this.diags.error(s.span, `Compound assignment is not supported on aggregation map @${name}`);
          return;
        }
        if ((s.op === '/=' || s.op === '%=') && existing?.kind === 'value')
          this.warnSignedDivision(
            s.op === '/=' ? '/' : '%',
            { start: s.opSpan.start, end: s.value.span.end },
            [existing.type, null],
            [t, s.value],
          );
        if (existing?.type.kind === 'pointer' && (s.op === '+=' || s.op === '-=')) {
          // Pointer arithmetic: the map keeps holding a pointer.
          this.result.types.set(target.id, existing.type);
          return;
        }
      }
      // `@m op= v` stores `@m op v`, a 64-bit result (a map first seen here held a zero).
      const cur = this.mapInfo(name).value;
      const stored = s.op === '=' ? t : arithResult(cur?.kind === 'value' ? cur.type : intType(1, true), t, s.op.slice(0, -1));
      this.unifyValue(name, { kind: 'value', type: stored }, s.value.span);
      const m = this.mapInfo(name);
      this.result.types.set(target.id, m.value?.kind === 'value' ? m.value.type : t);
      return;
    }
    if (target.kind === 'Variable') {
      const t = this.expr(s.value);
      let sym = this.scope.find(target.name);
      if (!sym) {
        if (s.op !== '=') {
          this.diags.error(target.span, `Undefined or undeclared variable: $${target.name}`);
          return;
        }
        sym = this.declareVar(target, null, this.probeScope());
      }
      this.result.vars.set(target.id, sym);
      this.typedBy(sym, s.op === '=' ? s.value : null);
      if (t.kind === 'void') {
        this.diags.error(s.value.span, `Value of type none cannot be assigned to a variable`);
        return;
      }
      const pointerStep = sym.type?.kind === 'pointer' && (s.op === '+=' || s.op === '-=') && isInteger(t);
      if (sym.type === null) {
        // Integers keep their width (bswap, printing); the slot stores 8 bytes regardless.
        sym.type = t;
        this.typeLinked(sym);
      } else if (!pointerStep && !assignable(sym.type, t) && sym.locked) {
        this.diags.error(
          s.span,
          `Type mismatch for $${target.name}: trying to assign value of type '${typeName(t)}' when variable already has a type '${typeName(sym.type)}'`,
        );
      } else if (!pointerStep && !assignable(sym.type, t)) {
        this.diags.error(
          s.value.span,
          `Type mismatch for $${target.name}: trying to assign value of type '${typeName(t)}' when variable already contains a value of type '${typeName(sym.type)}'`,
        );
      } else if (sym.locked && isInteger(sym.type)) {
        // A declared integer type stays as declared; values are converted to it.
      } else if (s.op !== '=' && isInteger(sym.type) && isInteger(t)) {
        // `$x op= v` stores `$x op v`, a 64-bit result.
        const r = arithResult(sym.type, t, s.op.slice(0, -1));
        if (isInteger(r)) sym.type = promoteInt(sym.type, r);
      } else if (s.op === '=' && isInteger(sym.type) && isInteger(t)) {
        sym.type = promoteInt(sym.type, t);
      } else if (sym.type.kind === 'string' && t.kind === 'string' && t.size > sym.type.size) {
        sym.type = t;
      } else if ((sym.type.kind === 'tuple' && t.kind === 'tuple') || (sym.type.kind === 'record' && t.kind === 'record')) {
        // Strings in tuples widen the same way (`$a = ("hi", 1); $a = ("longer", 2)`).
        sym.type = mergeTypes(sym.type, t) ?? sym.type;
      }
      if (s.op !== '=' && !isInteger(t)) this.diags.error(s.value.span, `Compound assignment requires an integer, got ${typeKindWord(t)}`);
      if (s.op === '/=' || s.op === '%=')
        this.warnSignedDivision(
          s.op === '/=' ? '/' : '%',
          { start: s.opSpan.start, end: s.value.span.end },
          [sym.type, null],
          [t, s.value],
        );
      this.result.types.set(target.id, sym.type);
      return;
    }
    this.diags.error(target.span, 'Only variables and maps can be assigned to');
  }

  /** The outermost scope of the probe: plain `$x = ...` variables live for the whole probe. */
  private probeScope(): Scope {
    let s = this.scope;
    while (s.parent) s = s.parent;
    return s;
  }

  private declareVar(v: Variable, type: Type | null, scope: Scope = this.scope): VarSymbol {
    const sym: VarSymbol = { id: this.nextVar++, name: v.name, type, span: v.span };
    const ahead = this.opts.varsAhead?.get(v.id);
    if (ahead) sym.ahead = ahead;
    this.symbols.set(v.id, sym);
    scope.vars.set(v.name, sym);
    this.result.vars.set(v.id, sym);
    if (type) this.result.types.set(v.id, type);
    return sym;
  }

  private keyType(keys: Expr[], span: Span): Type | null {
    if (keys.length === 0) return null;
    const types = keys.map((k) => {
      const t = this.expr(k);
      if (t.kind === 'void') this.diags.error(k.span, 'Value of type none cannot be used as a map key');
      return t;
    });
    if (types.length === 1) return types[0] as Type;
    void span;
    return { kind: 'tuple', elems: types };
  }

  private aggregation(call: Call): MapValue | null {
    const name = call.callee as AggKind;
    const argCount = {
      count: [0, 0],
      sum: [1, 1],
      min: [1, 1],
      max: [1, 1],
      avg: [1, 1],
      stats: [1, 1],
      hist: [1, 2],
      lhist: [4, 4],
      tseries: [3, 4],
    }[name];
    const [lo, hi] = argCount as [number, number];
    if (call.args.length < lo || call.args.length > hi) {
      this.diags.error(call.span, `${name}() ${argCountText(lo, hi)} (${call.args.length} provided)`);
      return null;
    }
    let signed = false;
    if (call.args[0]) {
      const t = this.expr(call.args[0]);
      if (!isInteger(t) && t.kind !== 'bool') {
        this.diags.error(call.args[0].span, `${name}() expects an integer argument (${typeKindWord(t)} provided)`);
        return null;
      }
      signed = t.kind === 'int' && t.signed;
    }
    this.result.types.set(call.id, INT64);
    if (name === 'tseries') return this.tseries(call, signed);
    if (name === 'hist') {
      let bits = 0;
      if (call.args[1]) {
        const b = this.literalInt(call.args[1]);
        if (b === null || b < 0n || b > 5n) {
          this.diags.error(call.args[1].span, 'hist: bits must be a literal integer between 0 and 5');
          return null;
        }
        bits = Number(b);
      }
      return { kind: 'agg', agg: 'hist', signed, hist: { bits } };
    }
    if (name === 'lhist') {
      const [minE, maxE, stepE] = [call.args[1], call.args[2], call.args[3]] as [Expr, Expr, Expr];
      const min = this.literalInt(minE);
      const max = this.literalInt(maxE);
      const step = this.literalInt(stepE);
      if (min === null) this.diags.error(minE.span, 'lhist() min must be a literal integer');
      if (max === null) this.diags.error(maxE.span, 'lhist() max must be a literal integer');
      if (step === null) this.diags.error(stepE.span, 'lhist() step must be a literal integer');
      if (min === null || max === null || step === null) return null;
      if (min < 0n) this.diags.error(minE.span, 'lhist() min must be non-negative');
      if (step <= 0n) this.diags.error(stepE.span, 'lhist() step must be >= 1');
      if (min > max) this.diags.error(minE.span, 'lhist() min must be less than max');
      else if ((max - min) / (step > 0n ? step : 1n) > 1000n) this.diags.error(stepE.span, 'lhist() too many buckets, must be <= 1000');
      return { kind: 'agg', agg: 'lhist', signed, lhist: { min, max, step } };
    }
    return { kind: 'agg', agg: name, signed };
  }

  private tseries(call: Call, signed: boolean): MapValue | null {
    const [, intervalE, numE, fnE] = call.args as [Expr, Expr, Expr, Expr | undefined];
    const interval = this.literalInt(intervalE);
    const num = this.literalInt(numE);
    if (interval === null || interval <= 0n)
      this.diags.error(intervalE.span, 'tseries() interval must be a positive literal duration (e.g. 1s, 100ms)');
    if (num === null || num <= 0n || num > 1000000n)
      this.diags.error(numE.span, 'tseries() num_intervals must be a literal integer between 1 and 1000000');
    let fn: 'none' | 'avg' | 'max' | 'min' | 'sum' = 'none';
    if (fnE) {
      const f = this.literalString(fnE);
      if (f !== 'avg' && f !== 'max' && f !== 'min' && f !== 'sum') {
        this.diags.error(fnE.span, `tseries() aggregation must be one of "avg", "max", "min", "sum"`);
        return null;
      }
      fn = f;
    }
    if (interval === null || num === null || interval <= 0n || num <= 0n) return null;
    if (!this.unstable.allow('tseries', call.span)) return null;
    return { kind: 'agg', agg: 'tseries', signed, tseries: { intervalNs: interval, numIntervals: Number(num), fn } };
  }

  // ------------------------------------------------------------------ expressions

  private checkCondition(e: Expr): void {
    const t = this.expr(e);
    if (!isInteger(t) && t.kind !== 'bool' && t.kind !== 'pointer') {
      this.diags.error(e.span, `Condition must be an integer or bool, got ${typeKindWord(t)}`);
    }
  }

  expr(e: Expr): Type {
    const t = this.exprInner(e);
    this.result.types.set(e.id, t);
    return t;
  }

  private exprInner(e: Expr): Type {
    switch (e.kind) {
      case 'IntegerLit':
        if (e.suffix) {
          const s = e.suffix.toLowerCase();
          if (s.startsWith('u') && /\d/.test(s)) return parseIntTypeName(s) ?? UINT64;
          if (s.startsWith('i') && /\d/.test(s)) return parseIntTypeName(`int${s.slice(1)}`) ?? INT64;
          if (s.includes('u')) return UINT64;
        }
        return literalIntType(e.value);
      case 'StringLit':
        return { kind: 'string', size: byteLength(e.value) + 1 };
      case 'BoolLit':
        return BOOL;
      case 'PositionalParam': {
        const v = this.opts.positional[e.index - 1];
        if (v !== undefined && positionalInt(v) !== null) return INT64;
        if (v === undefined || v === '') {
          // It reads as 0, which is documented but rarely what was meant.
          this.diags.warning(e.span, `Positional parameter $${e.index} is empty or not provided. `);
          return INT64;
        }
        return { kind: 'string', size: byteLength(v) + 1 };
      }
      case 'PositionalCount':
        return INT64;
      case 'Variable': {
        const sym = this.scope.find(e.name);
        if (!sym) {
          this.diags.error(e.span, `Undefined or undeclared variable: $${e.name}`);
          return INT64;
        }
        this.result.vars.set(e.id, sym);
        if (!sym.type) {
          // `let $x;` holds zero until assigned: a warning, as in 0.26; the read takes the type
          // later assignments give the variable (the previous pass's, else resolveEarlyReads').
          if (this.introspecting === 0) this.diags.warning(e.span, `Variable used before it was assigned: $${e.name}`);
          this.reads.push({ sym, type: sym.ahead ?? null, span: e.span });
          if (sym.ahead) return sym.ahead;
          this.earlyReads.push({ id: e.id, sym, span: e.span });
          return INT64;
        }
        const t = sym.ahead ? (mergeTypes(sym.ahead, sym.type) ?? sym.type) : sym.type;
        this.reads.push({ sym, type: t, span: e.span });
        return t;
      }
      case 'MapRef':
      case 'MapAccess': {
        const name = e.kind === 'MapRef' ? e.name : e.map.name;
        const keyType = e.kind === 'MapAccess' ? this.keyType(e.keys, e.span) : null;
        this.unifyKey(name, keyType, e.span);
        this.afterMapsChecks.push((maps) => this.requireMergedRead(maps.get(name)?.value, e.span));
        const m = this.mapInfo(name);
        if (m.value === null) {
          // Used before any assignment in source order; fixed up once all probes are seen.
          return INT64;
        }
        return m.value.kind === 'value' ? m.value.type : aggReadType(m.value);
      }
      case 'Identifier':
        return this.identifier(e.name, e);
      case 'Call':
        return this.call(e);
      case 'Binary': {
        if (e.op === '&&' || e.op === '||') {
          this.checkCondition(e.left);
          this.checkCondition(e.right);
          return BOOL;
        }
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        if (e.op === '==' || e.op === '!=') {
          if (isAggregateType(l) || isAggregateType(r)) {
            if (!comparable(l, r))
              this.diags.error(e.span, `Type mismatch for '${e.op}': comparing '${typeName(l)}' with '${typeName(r)}'`);
            return BOOL;
          }
          // ksym/usym/inet... values compare as wholes, as 0.26 compares any two values of one type.
          if (l.kind === 'symbolic' || r.kind === 'symbolic') {
            if (!comparable(l, r))
              this.diags.error(e.span, `Type mismatch for '${e.op}': comparing '${typeName(l)}' with '${typeName(r)}'`);
            return BOOL;
          }
          if (l.kind === 'string' || r.kind === 'string' || l.kind === 'buffer' || r.kind === 'buffer') {
            if (l.kind !== r.kind)
              this.diags.error(e.span, `Type mismatch for '${e.op}': comparing '${typeName(l)}' with '${typeName(r)}'`);
            return BOOL;
          }
        }
        const lOk = isInteger(l) || l.kind === 'bool' || l.kind === 'pointer';
        const rOk = isInteger(r) || r.kind === 'bool' || r.kind === 'pointer';
        if (!lOk || !rOk) {
          const bad = lOk ? e.right : e.left;
          const badT = lOk ? r : l;
          this.diags.error(bad.span, `The ${e.op} operator can not be used on expressions of type ${typeKindWord(badT)}`);
          return INT64;
        }
        if (['==', '!=', '<', '<=', '>', '>='].includes(e.op)) return BOOL;
        if (l.kind === 'pointer' && (e.op === '+' || e.op === '-') && r.kind !== 'pointer') return l;
        if (r.kind === 'pointer' && e.op === '+' && l.kind !== 'pointer') return r;
        if (e.op === '/' || e.op === '%') this.warnSignedDivision(e.op, e.span, [l, e.left], [r, e.right]);
        return this.foldedLiteralType(e) ?? arithResult(l, r, e.op);
      }
      case 'Unary': {
        const t = this.expr(e.operand);
        switch (e.op) {
          case '!':
            return BOOL;
          case '-':
            if (!isInteger(t) && t.kind !== 'bool')
              this.diags.error(e.span, `The - operator can not be used on expressions of type ${typeKindWord(t)}`);
            // A negative literal is the smallest signed type holding it (`-1` int8, `-1000` int16).
            return this.foldedLiteralType(e) ?? INT64;
          case '+':
          case '~':
            if (!isInteger(t) && t.kind !== 'bool')
              this.diags.error(e.span, `The ${e.op} operator can not be used on expressions of type ${typeKindWord(t)}`);
            return isInteger(t) ? { kind: 'int', size: 8, signed: t.signed } : INT64;
          case '*':
            if (t.kind === 'pointer' && t.to.kind === 'struct' && t.to.size === 0) {
              this.diags.error(
                e.span,
                `Can not dereference a pointer to the incomplete type '${t.to.name}'`,
                'its definition is not in the debug info',
              );
              return INT64;
            }
            if (t.kind === 'pointer') return t.to.kind === 'void' ? UINT64 : this.readable(t.to, e.span);
            if (isInteger(t)) return UINT64;
            this.diags.error(e.span, `Can not dereference type ${typeName(t)}`);
            return INT64;
          case '&':
            // `&$x`: the variable's own storage, in the program's memory (read as kernel memory).
            if (e.operand.kind === 'Variable') return { kind: 'pointer', to: t, user: false };
            this.diags.error(
              e.span,
              e.operand.kind === 'MapRef' || e.operand.kind === 'MapAccess'
                ? 'the address of a map (&@m) is not supported yet'
                : 'address-of operator (&) can only be used on a map or variable',
            );
            return { kind: 'pointer', to: t, user: false };
        }
        return INT64;
      }
      case 'Update': {
        const t = this.updateTarget(e.target, e.op);
        return t;
      }
      case 'Ternary': {
        this.checkCondition(e.cond);
        if (e.comptime) {
          const v = this.constValue(e.cond);
          if (v !== null) {
            const taken = constTruthy(v);
            this.result.comptimeIfs.set(e.id, taken);
            return this.expr(taken ? e.then : e.else);
          }
          this.diags.error(e.cond.span, 'if comptime expects a condition known when compiling');
        }
        const a = this.expr(e.then);
        const b = this.expr(e.else);
        if (a.kind === 'string' && b.kind === 'string') return widerString(a, b);
        if (isInteger(a) && isInteger(b)) return promoteInt(a, b);
        if (a.kind === 'void' && b.kind === 'void') return a;
        // Like strings, buffers and tuples of different widths take the wider layout.
        if (a.kind === 'buffer' && b.kind === 'buffer') return { kind: 'buffer', size: Math.max(a.size, b.size) };
        const merged = a.kind === 'tuple' && b.kind === 'tuple' ? mergeTypes(a, b) : null;
        if (merged) return merged;
        if (!typeEquals(a, b)) {
          this.diags.error(e.span, `Ternary operator must return the same type: have '${typeName(a)}' and '${typeName(b)}'`);
        }
        return a;
      }
      case 'FieldAccess':
        return this.field(e);
      case 'TupleIndex': {
        const t = this.expr(e.base);
        if (t.kind !== 'tuple') {
          this.diags.error(e.span, `Can not access index '${e.index}' on expression of type '${typeName(t)}'`);
          return INT64;
        }
        const el = t.elems[e.index];
        if (!el) {
          this.diags.error(e.span, `Invalid tuple index: ${e.index}. Found ${t.elems.length} elements in tuple.`);
          return INT64;
        }
        return el;
      }
      case 'IndexExpr': {
        const t = this.expr(e.base);
        const i = this.expr(e.index);
        if (!isInteger(i)) this.diags.error(e.index.span, `The array index operator [] requires an integer index`);
        // A constant index (literal arithmetic folded, as bpftrace folds it first) is checked
        // against the array's length.
        const cv = this.constValue(e.index);
        const at = typeof cv === 'bigint' ? cv : null;
        if (t.kind === 'tuple') return this.tupleByIndex(e, t, at);
        const len = t.kind === 'array' ? t.len : t.kind === 'string' ? t.size : 0;
        if (at !== null && len > 0 && at >= BigInt(len))
          this.diags.error(e.span, `the index ${at} is out of bounds for array of size ${len}`);
        if (t.kind === 'array') return this.readable(this.inAddressSpace(t.elem, e.base), e.span);
        if (t.kind === 'pointer') return t.to.kind === 'void' ? UINT64 : this.readable(this.inAddressSpace(t.to, e.base), e.span);
        if (t.kind === 'string') return intType(1, true);
        this.diags.error(e.base.span, `The array index operator [] can not be used on expressions of type ${typeName(t)}`);
        return INT64;
      }
      case 'Cast': {
        const from = this.expr(e.expr);
        const to = this.resolveTypeExpr(e.type);
        if (to.kind === 'array') return this.castToArray(e, from, to);
        if (from.kind === 'array') {
          // An integer array read as one integer of the same size (`(uint32)pton(...)`).
          const ints = from.elem.kind === 'int' || from.elem.kind === 'bool';
          if (to.kind !== 'int' || !ints || sizeOf(from) !== to.size)
            this.diags.error(e.span, `Cannot cast from "${typeName(from)}" to "${typeName(to)}"`);
        } else if (to.kind === 'int' || to.kind === 'bool') {
          if (!isInteger(from) && from.kind !== 'bool' && from.kind !== 'pointer') {
            this.diags.error(e.span, `Cannot cast from "${typeName(from)}" to "${typeName(to)}"`);
          }
        } else if (to.kind === 'string' || to.kind === 'buffer') {
          // As 0.26: a string may be cast to a string at least as wide, nothing else to either.
          if (to.kind === 'buffer' || from.kind !== 'string' || from.size > to.size)
            this.diags.error(e.span, `Cannot cast from "${typeName(from)}" to "${typeName(to)}"`);
        } else if (to.kind === 'struct' && !typeEquals(from, to)) {
          // A struct value cannot be made from another value (typeof(*p) makes this easy to write).
          this.diags.error(
            e.span,
            `Cannot cast from "${typeName(from)}" to "${typeName(to)}"`,
            'cast to a pointer instead, e.g. (struct x *)',
          );
        }
        return to;
      }
      case 'TupleExpr':
        return { kind: 'tuple', elems: e.elems.map((x) => this.expr(x)) };
      case 'RecordExpr':
        return { kind: 'record', fields: e.fields.map((f) => ({ name: f.name, type: this.expr(f.value) })) };
      case 'SizeofExpr': {
        if (e.arg.kind === 'TypeExpr') this.resolveTypeExpr(e.arg);
        else if (e.arg.kind === 'TypeofExpr') this.result.types.set(e.arg.id, this.typeofType(e.arg));
        else this.introspect(e.arg);
        return UINT64;
      }
      case 'OffsetofExpr': {
        let bt =
          e.base.kind === 'TypeExpr'
            ? this.resolveTypeExpr(e.base)
            : e.base.kind === 'TypeofExpr'
              ? this.typeofType(e.base)
              : this.introspect(e.base);
        let offset = 0;
        for (const name of e.fields) {
          const f = bt.kind !== 'struct' ? null : structField(bt, name, this.scriptLookup);
          if (!f) {
            this.diags.error(e.span, `'${typeName(bt)}' has no field named '${name}'`);
            return UINT64;
          }
          offset += f.offset;
          bt = f.type;
        }
        this.result.offsets.set(e.id, offset);
        return UINT64;
      }
      case 'TypeofExpr':
        // Reached only where a value is wanted: typeof names a type, it has no value.
        this.diags.error(
          e.span,
          'typeof() can only be used in variable declarations, casts, sizeof/offsetof and macro arguments',
          'e.g. `let $y: typeof($x);` or `(typeof($x))1`',
        );
        return this.typeofType(e);
      case 'BlockExpr': {
        const saved = this.scope;
        this.scope = new Scope(saved);
        for (const s of e.stmts) this.stmt(s);
        const t = this.expr(e.value);
        this.scope = saved;
        return t;
      }
      default:
        return unreachable(e);
    }
  }

  /**
   * `(int8[8])12345`, `(int8[])"hello"`, `(bool[2])(uint16)1`: an integer, bool or string seen as
   * an array of integers or bools; `[]` takes the length from the value's size.
   */
  private castToArray(e: Extract<Expr, { kind: 'Cast' }>, from: Type, to: Extract<Type, { kind: 'array' }>): Type {
    const bad = (): Type => {
      this.diags.error(e.span, `Cannot cast from "${typeName(from)}" to "${typeName(to)}"`);
      return to;
    };
    if (to.elem.kind !== 'int' && to.elem.kind !== 'bool') return bad();
    const es = sizeOf(to.elem);
    let out = to;
    if (to.len === 0) {
      if (sizeOf(from) % es !== 0) {
        this.diags.error(e.span, 'Cannot determine array size: the element size is incompatible with the cast integer size');
        return to;
      }
      out = { kind: 'array', elem: to.elem, len: sizeOf(from) / es };
      this.result.types.set(e.type.id, out);
    }
    const size = sizeOf(out);
    // A narrower integer widens into a small array, as bpftrace allows.
    if (from.kind === 'int') return size === from.size || (size <= 8 && size > from.size) ? out : bad();
    if ((from.kind === 'string' || from.kind === 'bool') && size === sizeOf(from)) return out;
    return bad();
  }

  /**
   * A pointer found in a traced process's memory points into that process too (bpftrace keeps
   * the address space on the type): so `$n = $p->next; $n->x` reads user memory as
   * `$p->next->x` does. `base` is what the member or element was read from.
   */
  private inAddressSpace(t: Type, base: Expr): Type {
    return t.kind === 'pointer' && !t.user && this.inUserMemory(base) ? { ...t, user: true } : t;
  }

  private inUserMemory(e: Expr): boolean {
    const t = this.result.types.get(e.id);
    if (t?.kind === 'pointer') return t.user;
    if (e.kind === 'FieldAccess' || e.kind === 'IndexExpr') return this.inUserMemory(e.base);
    if (e.kind === 'Unary' && e.op === '*') return this.inUserMemory(e.operand);
    return false;
  }

  /** `$t[1 + 1]`: a tuple indexed like an array, with an index known when compiling. */
  private tupleByIndex(e: Expr, t: Extract<Type, { kind: 'tuple' }>, at: bigint | null): Type {
    if (at === null) {
      this.diags.error(e.span, 'Array-style access for tuples only valid for integer literals');
      return INT64;
    }
    const el = at >= 0n ? t.elems[Number(at)] : undefined;
    if (!el) {
      this.diags.error(e.span, `Invalid tuple index: ${at}. Found ${t.elems.length} elements in tuple.`);
      return INT64;
    }
    return el;
  }

  private updateTarget(target: Expr, op: '++' | '--'): Type {
    if (target.kind === 'Variable') {
      const sym = this.scope.find(target.name);
      if (!sym?.type) {
        this.diags.error(target.span, `Undefined or undeclared variable: $${target.name}`);
        return INT64;
      }
      this.result.vars.set(target.id, sym);
      if (!isInteger(sym.type) && sym.type.kind !== 'pointer')
        this.diags.error(target.span, `The ++ and -- operators require an integer variable`);
      // The variable then holds a 64-bit result, as in 0.26.
      if (isInteger(sym.type) && !sym.locked)
        sym.type = promoteInt(sym.type, sym.type.signed || op === '--' ? intType(8, true) : intType(8, false));
      this.result.types.set(target.id, sym.type);
      return sym.type;
    }
    if (target.kind === 'MapRef' || target.kind === 'MapAccess') {
      const name = target.kind === 'MapRef' ? target.name : target.map.name;
      const keyType = target.kind === 'MapAccess' ? this.keyType(target.keys, target.span) : null;
      this.unifyKey(name, keyType, target.span);
      const existing = this.mapInfo(name).value;
      if (existing?.kind === 'value' && existing.type.kind === 'pointer') {
        this.result.types.set(target.id, existing.type);
        return existing.type;
      }
      // `@m++` stores a 64-bit result: unsigned only for an unsigned value incremented.
      const inc = existing?.kind === 'value' && isInteger(existing.type) && !existing.type.signed && op === '++' ? UINT64 : INT64;
      this.unifyValue(name, { kind: 'value', type: inc }, target.span);
      const m = this.mapInfo(name).value;
      const t = m?.kind === 'value' ? m.type : inc;
      this.result.types.set(target.id, t);
      return t;
    }
    this.diags.error(target.span, 'The ++ and -- operators can only be used on variables and maps');
    return INT64;
  }

  private field(e: Extract<Expr, { kind: 'FieldAccess' }>): Type {
    // `args.x` / `args->x` is the common case: fields of the probe's context.
    if (e.base.kind === 'Identifier' && e.base.name === 'args') {
      const ctx = this.current?.context;
      if (!ctx?.args) return this.noArgs(e.base.span);
      const f = ctx.args.find((a) => a.name === e.field);
      this.result.types.set(e.base.id, argsRecord(ctx.args));
      if (!f) {
        this.diags.error(e.fieldSpan, `Can't find field '${e.field}' in args of ${this.current?.targets[0]?.name ?? 'this probe'}`);
        return INT64;
      }
      return f.type;
    }
    const t = this.expr(e.base);
    if (t.kind === 'record') {
      const f = t.fields.find((x) => x.name === e.field);
      if (f) return f.type;
      this.diags.error(e.fieldSpan, `Record does not contain a field named '${e.field}'`);
      return INT64;
    }
    const st = t.kind === 'pointer' && t.to.kind === 'struct' ? t.to : t.kind === 'struct' ? t : null;
    if (st) {
      const f = structField(st, e.field, this.scriptLookup);
      if (!f) {
        this.diags.error(e.fieldSpan, `Struct/union of type '${st.name}' does not contain a field named '${e.field}'`);
        return INT64;
      }
      this.result.fields.set(e.id, f);
      return this.readable(this.inAddressSpace(f.type, e.base), e.span);
    }
    this.diags.error(e.span, `Can not access field '${e.field}' on expression of type '${typeName(t)}'`);
    return INT64;
  }

  private readonly scriptLookup: ScriptLookup = (name) => this.scriptTypes.get(name);

  /**
   * A value an expression reads: a floating-point one has no bpftrace type (clang's float is
   * bpftrace's "none"), so reading it is refused; the struct holding it prints it as null.
   */
  private readable(t: Type, span: Span): Type {
    if (t.kind !== 'float') return t;
    this.diags.error(
      span,
      `Cannot read a value of type ${t.name}: bpftrace has no floating-point values`,
      'print the struct that holds it (its floating-point members print as null)',
    );
    return INT64;
  }

  /** `args` in a probe that has none: says why. */
  private noArgs(span: Span): Type {
    const why = this.current?.context?.argsUnavailable;
    this.diags.error(
      span,
      why ?? `The args builtin can only be used with tracepoint/fentry/uprobe probes (${this.current?.providerName ?? 'none'} used here)`,
    );
    return INT64;
  }

  private identifier(name: string, e: Expr): Type {
    if (name === 'args') {
      const ctx = this.current?.context;
      if (!ctx?.args) return this.noArgs(e.span);
      return argsRecord(ctx.args);
    }
    const b = lookupBuiltin(name);
    // Builtin names win over enum constants; looking one up may load the kernel's BTF, which
    // `pid` or `comm` must not cost.
    const ec = b ? null : (this.scriptTypes.enumConstant(name) ?? btfEnumConstant(name));
    if (ec) {
      this.result.enumConsts.set(e.id, ec.value);
      return { kind: 'int', size: 8, signed: true, enumName: ec.enumName };
    }
    if (b?.ident) {
      const call: Call = { kind: 'Call', id: e.id, span: e.span, callee: name, calleeSpan: e.span, args: [] };
      return this.builtinCall(call);
    }
    this.diags.error(e.span, `Unknown identifier: '${name}'`);
    return INT64;
  }

  private call(e: Call): Type {
    if (isAggregation(e.callee)) {
      this.diags.error(e.span, `${e.callee}() should be directly assigned to a map`);
      return INT64;
    }
    const b = lookupBuiltin(e.callee);
    if (!b?.func) {
      this.diags.error(e.calleeSpan, `Unknown function: ${e.callee}`);
      for (const a of e.args) if (a.kind !== 'MapRef') this.expr(a);
      return INT64;
    }
    return this.builtinCall(e);
  }

  private builtinCall(e: Call): Type {
    const b = lookupBuiltin(e.callee);
    if (!b) return INT64;
    if (e.args.length < b.minArgs || e.args.length > b.maxArgs) {
      this.diags.error(e.span, `${e.callee}() ${argCountText(b.minArgs, b.maxArgs)} (${e.args.length} provided)`);
      return INT64;
    }
    const probe = this.current;
    if (b.providers && probe && !b.providers.includes(probe.providerName)) {
      this.diags.error(e.span, `${e.callee} can not be used with "${probe.providerName}" probes`);
    }
    const cx: CheckCx = {
      diags: this.diags,
      config: this.opts.config,
      probe: probe ?? { context: { args: null, argN: null, retval: false }, targets: [], providerName: '' },
      check: (x) => this.expr(x),
      checkMapArg: (x, fn) => {
        if (x.kind !== 'MapRef') {
          this.diags.error(x.span, `${fn}() expects a map argument`);
          return null;
        }
        this.mapInfo(x.name).iterated = true;
        this.result.types.set(x.id, INT64);
        return x.name;
      },
      literalInt: (x) => this.literalInt(x),
      literalString: (x) => this.literalString(x),
      scriptStruct: (tag) => {
        const own = this.scriptTypes.get(tag);
        return own ? { kind: 'struct', name: own.name, size: own.size, origin: { kind: 'script' }, union: own.union } : undefined;
      },
      scalarMap: (name) => {
        const m = this.result.maps.get(name);
        return m !== undefined && m.keySpan !== null && m.key === null;
      },
      afterMaps: (fn) => this.afterMapsChecks.push(fn),
      constant: (x) => this.constValue(x),
      assignedTo: this.assigning,
      unsafe: this.opts.unsafe,
      cpid: this.opts.cpid,
      named: this.opts.named,
      declareOption: (name, description) => {
        if (!this.options.get(name)) this.options.set(name, description);
      },
      callConstants: this.result.callConstants,
      newId: () => this.ids.take(),
      expand: (call, expansion) => {
        this.result.expansions.set(call.id, expansion);
        return this.expr(expansion);
      },
      allowUnstable: (feature, span) => this.unstable.allow(feature, span),
      typeofType: (x) => {
        const t = this.typeofType(x);
        this.result.types.set(x.id, t);
        return t;
      },
    };
    return b.check(e, cx);
  }

  literalInt(e: Expr): bigint | null {
    switch (e.kind) {
      case 'IntegerLit':
        return e.value;
      case 'Unary':
        if (e.op === '-') {
          const v = this.literalInt(e.operand);
          return v === null ? null : -v;
        }
        return null;
      case 'PositionalParam': {
        const v = this.opts.positional[e.index - 1];
        return v === undefined ? 0n : positionalInt(v);
      }
      case 'PositionalCount':
        return BigInt(this.opts.positional.length);
      default:
        return null;
    }
  }

  literalString(e: Expr): string | null {
    if (e.kind === 'StringLit') return e.value;
    if (e.kind === 'PositionalParam') return this.opts.positional[e.index - 1] ?? '';
    // A macro whose body is a literal (`macro fmt() { "hi" }`) expands to `{ "hi" }`.
    if (e.kind === 'BlockExpr' && e.stmts.length === 0) return this.literalString(e.value);
    return null;
  }

  /**
   * `let $y: typeof($x)` where `$x` is declared (`let $x;`) but gets its type only further on:
   * bpftrace resolves declarations in any order, so `$x`'s symbol is returned and the two are
   * matched once the probe has been checked (resolveTypeofLinks).
   */
  private typeofUntyped(t: TypeExpr): VarSymbol | null {
    if (t.of?.kind !== 'Variable' || t.pointerDepth !== 0 || t.arrayLen !== null) return null;
    const sym = this.scope.find(t.of.name);
    if (!sym || sym.type || sym.ahead) return null;
    this.reads.push({ sym, type: null });
    this.result.vars.set(t.of.id, sym);
    return sym;
  }

  /** `source` just got its type: declarations typed after it and still untyped take it now. */
  private typeLinked(source: VarSymbol): void {
    for (const l of this.typeofLinks) {
      if (l.source === source && !l.target.type && source.type) {
        l.target.type = source.type;
        this.typeLinked(l.target);
      }
    }
  }

  /** `-- --name` options no getopt() takes are refused, as bpftrace does; `-- --help` lists them. */
  private checkNamedOptions(): void {
    const unexpected = [...this.opts.named.keys()].filter((n) => !this.options.has(n));
    if (unexpected.length === 0) return;
    const help = unexpected.includes('help');
    const wrong = unexpected.filter((n) => n !== 'help');
    const names = [...this.options.keys()].sort();
    const hint =
      names.length === 0
        ? 'no custom program options defined.'
        : help
          ? `expected program options:\n${names.map((n) => `--${n}${this.options.get(n) ? `: ${this.options.get(n)}` : ''}`).join('\n')}`
          : `expected program options: ${names.map((n) => `--${n}`).join(': ')}`;
    const message =
      wrong.length > 0
        ? `unexpected program command line options: ${wrong.map((n) => `--${n}`).join(', ')}`
        : 'program options listed (--help)';
    this.diags.error(null, message, hint);
  }

  /** Records where `sym`'s type comes from: `value` as it is, or (null) an operation on it. */
  private typedBy(sym: VarSymbol, value: Expr | null): void {
    const from = value?.kind === 'Variable' ? this.result.vars.get(value.id) : undefined;
    if (from) (sym.aliases ??= []).push(from);
    else sym.grounded = true;
  }

  /**
   * Variables typed only by each other (`let $a; let $b; $b = $a; $a = $b;`) have no type of
   * their own: 0.26's error, at each one's first read.
   */
  reportUngroundedReads(diags: Diagnostics): void {
    const all = new Set<VarSymbol>();
    const visit = (sym: VarSymbol): void => {
      if (all.has(sym)) return;
      all.add(sym);
      for (const a of sym.aliases ?? []) visit(a);
    };
    for (const { sym } of this.reads) visit(sym);
    const grounded = new Set([...all].filter((sym) => sym.grounded || sym.locked));
    for (let grew = true; grew; ) {
      grew = false;
      for (const sym of all) {
        if (!grounded.has(sym) && (sym.aliases ?? []).some((a) => grounded.has(a))) {
          grounded.add(sym);
          grew = true;
        }
      }
    }
    const said = new Set<VarSymbol>();
    for (const { sym, span } of this.reads) {
      if (!span || said.has(sym) || sym.type === null) continue;
      said.add(sym);
      if (!grounded.has(sym)) diags.error(span, 'Could not resolve the type of this variable');
    }
  }

  private resolveEarlyReads(): void {
    for (const { id, sym, span } of this.earlyReads) {
      // Nothing assigns it: bpftrace 0.26 has no type to give it.
      if (!sym.type) this.diags.error(span, 'Could not resolve the type of this variable');
      this.result.types.set(id, sym.type ?? INT64);
    }
    this.earlyReads = [];
  }

  private resolveTypeofLinks(): void {
    for (const { target, source, span } of this.typeofLinks) {
      if (!source.type) {
        this.diags.error(span, `Type cannot be resolved: $${source.name} is never assigned`);
      } else if (!target.type) {
        target.type = source.type;
      } else if (!assignable(source.type, target.type)) {
        this.diags.error(
          span,
          `Type mismatch for $${target.name}: trying to assign value of type '${typeName(target.type)}' when variable already has a type '${typeName(source.type)}'`,
        );
      }
    }
    this.typeofLinks = [];
  }

  /** The type of an expression only looked at (sizeof, offsetof, typeof). */
  private introspect(e: Expr): Type {
    this.introspecting++;
    try {
      return this.expr(e);
    } finally {
      this.introspecting--;
    }
  }

  /** The type `typeof(x)` stands for. */
  private typeofType(e: Extract<Expr, { kind: 'TypeofExpr' }>): Type {
    return e.arg.kind === 'TypeExpr' ? this.resolveTypeExpr(e.arg) : this.typeofOperand(e.arg);
  }

  /**
   * The static type of `typeof`'s expression. A bare map stands for its key type (its value
   * type when it has no key), as in bpftrace 0.26, and is only looked at: `typeof(@m)` does not
   * count as a use of `@m` as a scalar map.
   */
  private typeofOperand(e: Expr): Type {
    if (e.kind !== 'MapRef') return this.introspect(e);
    const m = this.result.maps.get(e.name);
    const t = m?.key ?? (m?.value ? (m.value.kind === 'value' ? m.value.type : aggReadType(m.value)) : null);
    if (!t) {
      this.diags.error(
        e.span,
        `Undefined map: @${e.name}`,
        `typeof() needs the map to be used before this point, e.g. @${e.name}[key] = value`,
      );
      return INT64;
    }
    this.result.types.set(e.id, t);
    return t;
  }

  resolveTypeExpr(t: TypeExpr): Type {
    // `string[64]`, `buffer[256]`: as 0.26, [N] sizes a parameterised type instead of making an array.
    if (!t.of && t.pointerDepth === 0 && t.arrayLen !== null && t.arrayLen > 0 && (t.name === 'string' || t.name === 'buffer')) {
      let sized: Type = t.name === 'string' ? { kind: 'string', size: t.arrayLen } : { kind: 'buffer', size: t.arrayLen };
      const user = isUserProbe(this.current?.providerName ?? '');
      for (let i = 0; i < (t.arrayPointers ?? 0); i++) sized = { kind: 'pointer', to: sized, user };
      this.result.types.set(t.id, sized);
      return sized;
    }
    let base: Type | null = t.of ? this.typeofOperand(t.of) : parseIntTypeName(t.name);
    if (!base) {
      if (t.name === 'void') base = { kind: 'void' };
      else if (t.name === 'string') base = { kind: 'string', size: this.opts.config.maxStrlen };
      else {
        const own = this.scriptTypes.get(t.name);
        const ownEnum = this.scriptTypes.enumType(t.name);
        base = own
          ? { kind: 'struct', name: own.name, size: own.size, origin: { kind: 'script' }, union: own.union }
          : ownEnum
            ? { kind: 'int', size: 8, signed: true, enumName: t.name }
            : (this.current?.context.userType?.(t.name) ?? btfTypeByName(t.name));
        if (!base) {
          const hint = kernelBtf() ? [] : ['this kernel has no BTF (/sys/kernel/btf/vmlinux), so kernel types are unknown'];
          this.diags.error(
            t.span,
            /^(struct|union|enum) /.test(t.name) ? `Unknown struct/union: '${t.name}'` : `Unknown type: ${t.name}`,
            ...hint,
          );
          base = INT64;
        }
      }
    }
    let out: Type = base;
    // A pointer cast in a user-space probe points into the traced process.
    const user = isUserProbe(this.current?.providerName ?? '');
    for (let i = 0; i < t.pointerDepth; i++) out = { kind: 'pointer', to: out, user };
    if (t.arrayLen !== null) out = { kind: 'array', elem: out, len: t.arrayLen };
    for (let i = 0; i < (t.arrayPointers ?? 0); i++) out = { kind: 'pointer', to: out, user };
    this.result.types.set(t.id, out);
    return out;
  }
}

/** Whether the script walks a map with `for`, which may come before the map's assignment. */
function iteratesMaps(program: Program): boolean {
  let found = false;
  for (const item of program.items) {
    if (item.kind === 'Probe')
      visitAll(item, (n) => {
        if (n.kind === 'ForMapStmt') found = true;
      });
  }
  return found;
}

function argCountText(lo: number, hi: number): string {
  if (lo === hi) return `requires ${lo} argument${lo === 1 ? '' : 's'}`;
  if (hi === Number.POSITIVE_INFINITY) return `requires at least ${lo} argument${lo === 1 ? '' : 's'}`;
  return `requires ${lo} to ${hi} arguments`;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'latin1');
}

/** Whether control never goes past `s`: a jump, exit(), or an if whose branches both end so. */
function terminates(s: Stmt): boolean {
  switch (s.kind) {
    case 'JumpStmt':
    case 'ReturnStmt':
      return true;
    case 'ExprStmt':
      return s.expr.kind === 'Call' && s.expr.callee === 'exit';
    case 'IfStmt':
      return s.then.stmts.some(terminates) && (s.else?.kind === 'IfStmt' ? terminates(s.else) : !!s.else?.stmts.some(terminates));
    default:
      return false;
  }
}

function aggReadType(v: Extract<MapValue, { kind: 'agg' }>): Type {
  return v.signed || v.agg === 'avg' ? INT64 : UINT64;
}

function describeValue(v: MapValue): string {
  return v.kind === 'value' ? typeName(v.type) : `${v.agg}_t`;
}

/**
 * The type of `args` as a whole. Field types are read on use: a field may type itself through
 * BTF (a tracepoint's struct pointers), which `args.other` alone should not load.
 */
function argsRecord(args: readonly ArgField[]): Type {
  return {
    kind: 'record',
    fields: args.map((a) => ({
      name: a.name,
      get type(): Type {
        return a.type;
      },
    })),
  };
}

function isAggregateType(t: Type): boolean {
  return t.kind === 'tuple' || t.kind === 'record' || t.kind === 'array';
}

/** Whether `==` can compare the two: integers with integers, strings with strings, aggregates member by member. */
function comparable(a: Type, b: Type): boolean {
  const scalar = (t: Type): boolean => isInteger(t) || t.kind === 'bool' || t.kind === 'pointer';
  if (scalar(a) || scalar(b)) return scalar(a) && scalar(b);
  if (a.kind === 'string' || b.kind === 'string') return a.kind === b.kind;
  if (a.kind === 'symbolic' || b.kind === 'symbolic') return a.kind === 'symbolic' && b.kind === 'symbolic' && a.what === b.what;
  if (a.kind === 'tuple' && b.kind === 'tuple') {
    return a.elems.length === b.elems.length && a.elems.every((t, i) => comparable(t, b.elems[i] as Type));
  }
  if (a.kind === 'record' && b.kind === 'record') {
    return (
      a.fields.length === b.fields.length &&
      a.fields.every((f) => {
        const g = b.fields.find((x) => x.name === f.name);
        return g !== undefined && comparable(f.type, g.type);
      })
    );
  }
  if (a.kind === 'array' && b.kind === 'array') return a.len === b.len && comparable(a.elem, b.elem);
  return false;
}

const COMPARISONS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);

function constTruthy(v: bigint | boolean | string): boolean {
  return typeof v === 'string' ? v !== '' : typeof v === 'bigint' ? v !== 0n : v;
}
