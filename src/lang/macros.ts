// Expansion of bpftrace macros (`macro name($var, @map, expr) { ... }`), hygienic as the
// language reference describes:
//  - `$var` parameters bind the caller's variable by reference, `@map` parameters its map;
//  - bare-name parameters are replaced by the argument expression (a variable or map passed
//    there is wrapped as `{ $x }` so the macro cannot assign to it);
//  - variables the body creates are renamed (`$$name_x`) so they never meet the caller's;
//  - any other variable or map the body touches is an error: it was not passed in.
// Calls are matched by name and parameter kinds, so a macro may be overloaded. A call in
// statement position becomes a block; in expression position a block expression whose value is
// the body's trailing expression. Macro definitions are removed once everything is expanded.

import type { AnyNode, Block, BlockExpr, Call, Expr, Identifier, MacroDef, MapRef, Program, Stmt, TypeExpr, Variable } from './ast.ts';
import { levenshtein } from './attach-scan.ts';
import { cloneNode } from './clone.ts';
import { type Diagnostics, lineCol, locate } from './diagnostics.ts';
import type { IdGen } from './ids.ts';
import { isBuiltinValue } from './names.ts';
import { type ChildMapper, mapChildren, visitAll } from './walk.ts';

/** Expansions allowed per script; only a runaway (exponential) macro nest reaches this. */
const MAX_EXPANSIONS = 20_000;

export interface MacroOptions {
  /** Keep MacroDef items in the program (by default they are dropped after expansion). */
  keepDefinitions?: boolean;
  /** Start offsets of calls written `name!(...)` (ParseResult.macroCalls): unknown names there are errors. */
  macroCalls?: ReadonlySet<number>;
}

export function expandMacros(program: Program, diags: Diagnostics, ids: IdGen, opts: MacroOptions = {}): void {
  const registry = buildRegistry(program, diags);
  if (opts.macroCalls && opts.macroCalls.size > 0) checkExplicitCalls(program, registry, opts.macroCalls, diags);
  if (registry.size === 0) {
    if (!opts.keepDefinitions) program.items = program.items.filter((i) => i.kind !== 'MacroDef');
    return;
  }
  const x = new Expander(registry, diags, ids);
  for (const item of program.items) {
    if (item.kind !== 'MacroDef') mapChildren(item, x.mapper);
  }
  if (!opts.keepDefinitions) program.items = program.items.filter((i) => i.kind !== 'MacroDef');
}

type Registry = Map<string, MacroDef[]>;

/** `name!(...)` says "this is a macro": report names that are not, with the likeliest one meant. */
function checkExplicitCalls(program: Program, registry: Registry, starts: ReadonlySet<number>, diags: Diagnostics): void {
  for (const item of program.items) {
    visitAll(item, (n) => {
      if (n.kind !== 'Call' || !starts.has(n.calleeSpan.start) || registry.has(n.callee)) return;
      let best: string | null = null;
      let bestDist = Math.max(1, Math.floor(n.callee.length / 3)) + 1;
      for (const name of registry.keys()) {
        const d = levenshtein(n.callee, name);
        if (d < bestDist) {
          bestDist = d;
          best = name;
        }
      }
      diags.error(n.calleeSpan, best ? `unknown macro '${n.callee}'; did you mean '${best}'?` : `unknown macro '${n.callee}'`);
    });
  }
}

function signature(m: MacroDef): string {
  return m.params.map((p) => (p.kind === 'Variable' ? '$' : p.kind === 'MapRef' ? '@' : 'e')).join(',');
}

function buildRegistry(program: Program, diags: Diagnostics): Registry {
  const reg: Registry = new Map();
  for (const item of program.items) {
    if (item.kind !== 'MacroDef') continue;
    const seen = new Set<string>();
    let ok = true;
    for (const p of item.params) {
      const key = p.kind === 'Variable' ? `$${p.name}` : p.kind === 'MapRef' ? `@${p.name}` : p.name;
      if (seen.has(key)) {
        diags.error(
          p.span,
          `${p.kind === 'Variable' ? 'Variable' : p.kind === 'MapRef' ? 'Map' : 'Ident'} for macro argument has already been used: ${key}`,
        );
        ok = false;
      }
      seen.add(key);
    }
    if (!ok) continue;
    const list = reg.get(item.name) ?? [];
    const dup = list.find((m) => signature(m) === signature(item));
    if (dup) {
      diags.error(item.span, `Redefinition of macro: ${item.name}`, 'a macro with the same name and parameter kinds is already defined');
      continue;
    }
    list.push(item);
    reg.set(item.name, list);
  }
  return reg;
}

function argMatches(param: MacroDef['params'][number], arg: Expr): boolean {
  if (param.kind === 'Variable') return arg.kind === 'Variable';
  if (param.kind === 'MapRef') return arg.kind === 'MapRef';
  return true;
}

/** What a macro parameter is bound to during one expansion. */
interface Frame {
  macro: MacroDef;
  vars: Map<string, string>;
  maps: Map<string, string>;
  exprs: Map<string, Expr>;
  locals: Set<string>;
  prefix: string;
}

class Expander {
  private readonly stack: MacroDef[] = [];
  private expansions = 0;
  private readonly locals = new Map<MacroDef, Set<string>>();

  /** Expands macro uses found anywhere below the node it is applied to. */
  readonly mapper: ChildMapper = {
    expr: (e) => this.expr(e),
    stmts: (list) => this.stmts(list),
  };

  constructor(
    private readonly registry: Registry,
    private readonly diags: Diagnostics,
    private readonly ids: IdGen,
  ) {}

  private isInvocation(e: Expr): e is Call | Identifier {
    return (e.kind === 'Call' && this.registry.has(e.callee)) || (e.kind === 'Identifier' && this.registry.has(e.name));
  }

  private stmts(list: Stmt[]): Stmt[] {
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as Stmt;
      if (s.kind === 'ExprStmt' && this.isInvocation(s.expr)) {
        const call = s.expr;
        mapChildren(call, this.mapper);
        const r = this.expand(call);
        if (!r) continue;
        const stmts = r.stmts;
        if (r.value) stmts.push({ id: this.ids.take(), span: r.value.span, kind: 'ExprStmt', expr: r.value });
        const block: Block = { id: this.ids.take(), span: s.span, kind: 'Block', stmts };
        list[i] = block;
        continue;
      }
      mapChildren(s, this.mapper);
    }
    return list;
  }

  private expr(e: Expr): Expr {
    // A bare name in sizeof/typeof/offsetof is a type name, never a macro use.
    if ((e.kind === 'SizeofExpr' || e.kind === 'TypeofExpr') && e.arg.kind === 'Identifier') return e;
    if (e.kind === 'OffsetofExpr' && e.base.kind === 'Identifier') return e;
    mapChildren(e, this.mapper);
    if (!this.isInvocation(e)) return e;
    const r = this.expand(e);
    if (!r) return e;
    const name = e.kind === 'Call' ? e.callee : e.name;
    if (!r.value) {
      this.diags.error(
        e.span,
        `macro ${name}() does not produce a value`,
        'its body ends with a statement; end it with an expression (no trailing ;) to use it as a value',
      );
      return e;
    }
    const block: BlockExpr = { id: this.ids.take(), span: e.span, kind: 'BlockExpr', stmts: r.stmts, value: r.value };
    return block;
  }

  private lookup(site: Call | Identifier): MacroDef | null {
    const name = site.kind === 'Call' ? site.callee : site.name;
    const args = site.kind === 'Call' ? site.args : [];
    const defs = this.registry.get(name) ?? [];
    const exact = defs.find((d) => d.params.length === args.length && d.params.every((p, i) => argMatches(p, args[i] as Expr)));
    if (exact) return exact;
    // A user macro shadows a builtin only where its signature matches (0.26's stdlib macros take
    // the other calls): `macro cpu(x)` leaves `cpu` and `cpu()` to the builtin.
    if (args.length === 0 && isBuiltinValue(name)) return null;
    const closest = defs.find((d) => d.params.length === args.length) ?? defs[0];
    if (!closest) return null;
    if (closest.params.length !== args.length) {
      this.diags.error(
        site.span,
        `Call to ${name}() has the wrong number of arguments. Expected: ${closest.params.length} but got ${args.length}.`,
      );
      return null;
    }
    this.diags.error(site.span, `Call to ${name}() has arguments that do not match any definition.`);
    closest.params.forEach((p, i) => {
      const a = args[i] as Expr;
      if (argMatches(p, a)) return;
      const want = p.kind === 'Variable' ? `a variable for arg $${p.name}` : `a map for arg @${p.name}`;
      const got = a.kind === 'Variable' ? 'a variable' : a.kind === 'MapRef' ? 'a map' : 'an expression';
      this.diags.error(a.span, `Mismatched arg. ${name}() expects ${want} but got ${got}.`);
    });
    return null;
  }

  private expand(site: Call | Identifier): { stmts: Stmt[]; value: Expr | null } | null {
    const def = this.lookup(site);
    if (!def) return null;
    const at = this.stack.indexOf(def);
    if (at >= 0) {
      const chain = [...this.stack.slice(at), def].map((m) => m.name).join(' > ');
      this.diags.error(site.span, `Recursive macro call detected. Call chain: ${chain}`);
      return null;
    }
    if (++this.expansions > MAX_EXPANSIONS) {
      if (this.expansions === MAX_EXPANSIONS + 1) {
        this.diags.error(site.span, `too many macro expansions (more than ${MAX_EXPANSIONS})`);
      }
      return null;
    }
    const args = site.kind === 'Call' ? site.args : [];
    const frame = this.frameFor(def, args);
    const body = cloneNode(def.body, this.ids);
    let value = def.value ? cloneNode(def.value, this.ids) : null;
    const hygiene = new Hygiene(frame, this.diags, this.ids, this.callSiteHint(site));
    mapChildren(body, hygiene.mapper);
    if (value) value = hygiene.mapper.expr(value);
    // Macro uses inside the body expand in the macro's own context, with recursion tracked.
    this.stack.push(def);
    try {
      mapChildren(body, this.mapper);
      if (value) value = this.expr(value);
    } finally {
      this.stack.pop();
    }
    // errorf/warnf report where they are written and, like bpftrace, the macro uses that led there.
    const noteSite = (n: AnyNode): void =>
      visitAll(n, (x) => {
        if (x.kind === 'Call' && (x.callee === 'errorf' || x.callee === 'warnf' || x.callee === 'assert'))
          x.expandedFrom = [...(x.expandedFrom ?? []), site.span];
      });
    noteSite(body);
    if (value) noteSite(value);
    return { stmts: body.stmts, value };
  }

  /**
   * Problems found inside a macro body say which use of the macro exposed them. Computed only
   * when needed: finding a line number scans the source.
   */
  private callSiteHint(site: Call | Identifier): () => string {
    return () => {
      const at = locate(this.diags.source, site.span.start);
      const { line, col } = lineCol(at.file.text, at.offset);
      return `in the expansion of ${site.kind === 'Call' ? site.callee : site.name}() at ${at.file.name}:${line}:${col}`;
    };
  }

  /** Variables a macro body creates (and so renames); the same for every use of the macro. */
  private localsOf(def: MacroDef): Set<string> {
    let locals = this.locals.get(def);
    if (locals) return locals;
    const found = new Set<string>();
    const params = new Set(def.params.filter((p) => p.kind === 'Variable').map((p) => p.name));
    const declare = (name: string): void => {
      if (!params.has(name)) found.add(name);
    };
    const scan = (n: AnyNode): void =>
      visitAll(n, (x) => {
        if (x.kind === 'AssignStmt' && x.target.kind === 'Variable') declare(x.target.name);
        else if (x.kind === 'VarDeclStmt') declare(x.variable.name);
        else if (x.kind === 'ForMapStmt' || x.kind === 'ForRangeStmt') declare(x.variable.name);
      });
    scan(def.body);
    if (def.value) scan(def.value);
    locals = found;
    this.locals.set(def, locals);
    return locals;
  }

  private frameFor(def: MacroDef, args: Expr[]): Frame {
    const depth = this.stack.length + 1;
    const frame: Frame = {
      macro: def,
      vars: new Map(),
      maps: new Map(),
      exprs: new Map(),
      locals: new Set(),
      prefix: depth === 1 ? `$${def.name}_` : `$${def.name}_${depth}_`,
    };
    def.params.forEach((p, i) => {
      const a = args[i] as Expr;
      if (p.kind === 'Variable' && a.kind === 'Variable') frame.vars.set(p.name, a.name);
      else if (p.kind === 'MapRef' && a.kind === 'MapRef') frame.maps.set(p.name, a.name);
      else if (p.kind === 'Identifier') frame.exprs.set(p.name, a);
    });
    for (const name of this.localsOf(def)) frame.locals.add(name);
    return frame;
  }
}

/** Renames and substitutes inside one cloned macro body. */
class Hygiene {
  readonly mapper: ChildMapper = {
    expr: (e) => this.expr(e),
    stmts: (list) => {
      for (const s of list) this.stmt(s);
      return list;
    },
    ref: (r) => this.ref(r),
    type: (t) => this.type(t),
  };

  constructor(
    private readonly f: Frame,
    private readonly diags: Diagnostics,
    private readonly ids: IdGen,
    private readonly site: () => string,
  ) {}

  private stmt(s: Stmt): void {
    if (s.kind === 'VarDeclStmt' && this.f.vars.has(s.variable.name)) {
      this.diags.error(s.span, `Variable declaration shadows macro arg $${s.variable.name}`, this.site());
    }
    mapChildren(s, this.mapper);
  }

  private ref(r: Variable | MapRef): void {
    const f = this.f;
    const macro = f.macro.name;
    if (r.kind === 'Variable') {
      const bound = f.vars.get(r.name);
      if (bound !== undefined) r.name = bound;
      else if (f.locals.has(r.name)) r.name = f.prefix + r.name;
      else {
        this.diags.error(
          r.span,
          `Unhygienic access to variable: $${r.name}. Variables must be passed into the macro as arguments.`,
          `add a parameter: macro ${macro}(..., $${r.name})`,
          this.site(),
        );
      }
      return;
    }
    const bound = f.maps.get(r.name);
    if (bound !== undefined) r.name = bound;
    else {
      this.diags.error(
        r.span,
        `Unhygienic access to map: @${r.name}. Maps must be passed into the macro as arguments.`,
        `add a parameter: macro ${macro}(..., @${r.name})`,
        this.site(),
      );
    }
  }

  private expr(e: Expr): Expr {
    switch (e.kind) {
      case 'Variable':
      case 'MapRef':
        this.ref(e);
        return e;
      case 'Identifier':
        return this.substitute(e) ?? e;
      case 'SizeofExpr':
      case 'TypeofExpr':
        if (e.arg.kind === 'Identifier') {
          const s = this.substitute(e.arg);
          if (s) e.arg = s.kind === 'TypeofExpr' && s.arg.kind === 'TypeExpr' ? s.arg : s;
          return e;
        }
        break;
      case 'OffsetofExpr':
        if (e.base.kind === 'Identifier') {
          const s = this.substitute(e.base);
          if (s) e.base = s.kind === 'TypeofExpr' && s.arg.kind === 'TypeExpr' ? s.arg : s;
          return e;
        }
        break;
      default:
        break;
    }
    mapChildren(e, this.mapper);
    return e;
  }

  /** The argument for a bare-name parameter, pasted afresh; null if `id` is not a parameter. */
  private substitute(id: Identifier): Expr | null {
    const arg = this.f.exprs.get(id.name);
    if (!arg) return null;
    const copy = cloneNode(arg, this.ids);
    if (copy.kind === 'Variable' || copy.kind === 'MapRef') {
      // Passed to an expression parameter, a variable or map is a value the macro cannot assign.
      return { id: this.ids.take(), span: copy.span, kind: 'BlockExpr', stmts: [], value: copy };
    }
    return copy;
  }

  /** `(a*)x` with `a` bound to `typeof(uint8)` becomes `(uint8 *)x`. */
  private type(t: TypeExpr): TypeExpr {
    const arg = this.f.exprs.get(t.name);
    if (!arg) return t;
    if (arg.kind === 'TypeofExpr' && arg.arg.kind === 'TypeExpr') {
      const base = arg.arg;
      return {
        id: this.ids.take(),
        span: t.span,
        kind: 'TypeExpr',
        name: base.name,
        pointerDepth: base.pointerDepth + t.pointerDepth,
        arrayLen: t.arrayLen ?? base.arrayLen,
        ...(t.arrayPointers ? { arrayPointers: t.arrayPointers } : {}),
        of: base.of,
      };
    }
    this.diags.error(
      t.span,
      `macro parameter '${t.name}' is used as a type but was given a value`,
      `pass a type wrapped in typeof, e.g. ${this.f.macro.name}(typeof(uint32), ...)`,
      this.site(),
    );
    return t;
  }
}
