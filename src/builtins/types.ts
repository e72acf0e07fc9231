// The common interface of builtins: identifiers such as `pid` and functions such as `str()`.
// Each builtin is an object with a checker hook (argument rules, result type) and an emitter
// hook (BPF code), so adding one touches one module and the registry.

import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { Call, Expr, NodeId, Span } from '../lang/ast.ts';
import type { Diagnostics } from '../lang/diagnostics.ts';
import type { ProbeContext, ProbeTarget } from '../probes/provider.ts';
import type { Config } from '../sema/config.ts';
import type { MapInfo } from '../sema/maps.ts';
import type { Type } from '../sema/types.ts';
import type { UnstableFeature } from '../sema/unstable.ts';

export interface CheckCx {
  readonly diags: Diagnostics;
  readonly config: Config;
  readonly probe: { context: ProbeContext; targets: ProbeTarget[]; providerName: string };
  /** Type-checks an argument expression (in value position). */
  check(e: Expr): Type;
  /** Records that `e` refers to a whole map (print(@m), delete(@m, k), len(@m)...). */
  checkMapArg(e: Expr, fn: string): string | null;
  /** Literal integer value of an expression (positional params resolved), or null. */
  literalInt(e: Expr): bigint | null;
  literalString(e: Expr): string | null;
  /** A struct the script defines (`struct task_struct { int x; }` overrides the kernel's), or undefined. */
  scriptStruct(tag: string): Type | undefined;
  /** Whether the map has been used so far without keys (`@m = 1`). */
  scalarMap(name: string): boolean;
  /** Runs `fn` once every probe is checked, when each map's value type is known. */
  afterMaps(fn: (maps: ReadonlyMap<string, MapInfo>) => void): void;
  /** Value of a checked expression known while compiling (literals, predicates, getopt...). */
  constant(e: Expr): bigint | boolean | string | null;
  /** Whether this call is the value of a map assignment `@m[k] = f()` (aggregations). */
  readonly assignedTo: { map: string; span: Span } | null;
  readonly unsafe: boolean;
  /** Pid of the -c child, if any. */
  readonly cpid: number | null;
  /** Named script options (`-- --name=value`), and where getopt() records what it resolved. */
  readonly named: Map<string, string | null>;
  /** getopt("name", default, "description"): the options the script takes, for --help and typos. */
  declareOption(name: string, description: string): void;
  readonly callConstants: Map<number, bigint | boolean | string>;
  /** An id for a node a builtin makes (from the compilation's counter: unique in the program). */
  newId(): NodeId;
  /** Records the script expression `call` stands for (lowered.ts) and checks it: its type. */
  expand(call: Call, expansion: Expr): Type;
  /** An unstable feature's config gate (sema/unstable.ts): false when the config refuses it. */
  allowUnstable(feature: UnstableFeature, span: Span): boolean;
  /** The type `typeof(...)` names (a type, or an expression's static type; nothing is evaluated). */
  typeofType(e: Extract<Expr, { kind: 'TypeofExpr' }>): Type;
}

export interface Builtin {
  readonly name: string;
  /** Usable as a bare identifier (`pid`) — identifiers are calls with no arguments. */
  readonly ident: boolean;
  /** Usable with call syntax (`str(x)`, `comm()`). */
  readonly func: boolean;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Providers the builtin is limited to, or null for all. */
  readonly providers?: readonly string[];
  check(call: Call, cx: CheckCx): Type;
  /** Emits code; returns where the value is (void builtins return an imm 0). */
  emit(call: Call, em: Emitter): Operand;
}
