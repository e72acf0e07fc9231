// The typed AST every pass works on. Nodes are plain objects discriminated by `kind`;
// every node carries a span (byte offsets into its SourceFile) and a stable numeric id so
// later passes keep their results in side tables (Map<NodeId, ...>) instead of mutating syntax.

export type NodeId = number;

export interface SourceFile {
  /** Name used in diagnostics: the script path, or "stdin" for -e. */
  readonly name: string;
  readonly text: string;
  /**
   * Files brought in by `import`, parsed at offsets past this text (each from `base` on): a span
   * at or past a base belongs to that file (see `locate` in diagnostics.ts).
   */
  imported?: { base: number; file: SourceFile }[];
}

export interface Span {
  readonly start: number;
  readonly end: number;
}

interface NodeBase {
  readonly id: NodeId;
  span: Span;
}

// ---------------------------------------------------------------- top level

export interface Program extends NodeBase {
  kind: 'Program';
  items: TopLevel[];
  /**
   * The C text of the script's own headers (not the system's), preprocessor lines left out:
   * their struct, union and enum definitions type the script as its own would, where they parse.
   */
  headerTypes?: string[];
  /**
   * Where each C part (CDefinition, Include, by node id) starts in the file bpftrace hands clang
   * (its `definitions.h`): clang's locations, which 0.26 prints for C errors.
   */
  definitionsLines?: ReadonlyMap<number, number>;
}

export type TopLevel = Probe | ConfigBlock | MacroDef | MapDecl | CDefinition | Include | Import;

export interface Probe extends NodeBase {
  kind: 'Probe';
  attachPoints: AttachPoint[];
  predicate: Expr | null;
  body: Block;
}

/**
 * An attach point as written. Its meaning depends on the provider, so the parser keeps the raw
 * text; `src/probes` splits it per provider (paths may hold ':' inside quotes, offsets, etc.).
 */
export interface AttachPoint extends NodeBase {
  kind: 'AttachPoint';
  /** Exact source text, quotes included, e.g. `uprobe:"/bin/x":f` or `tracepoint:syscalls:sys_enter_*`. */
  raw: string;
}

export interface ConfigBlock extends NodeBase {
  kind: 'ConfigBlock';
  entries: ConfigEntry[];
}

export interface ConfigEntry extends NodeBase {
  kind: 'ConfigEntry';
  key: string;
  value: Expr;
}

export interface MacroDef extends NodeBase {
  kind: 'MacroDef';
  name: string;
  /** Parameters are `$x`, `@x` or bare identifiers, as the reference allows. */
  params: (Variable | MapRef | Identifier)[];
  body: Block;
  /**
   * The body's trailing expression written without a `;` (`macro one() { 1 }`): the value the
   * macro produces. Null when the body ends with a statement; `body.stmts` never holds it.
   */
  value: Expr | null;
}

/** `let @m = hash(1024);` */
export interface MapDecl extends NodeBase {
  kind: 'MapDecl';
  name: string;
  mapKind: string;
  args: Expr[];
}

/** C struct/union/enum/typedef written in the script, kept as text for the C type parser. */
export interface CDefinition extends NodeBase {
  kind: 'CDefinition';
  text: string;
}

export interface Include extends NodeBase {
  kind: 'Include';
  path: string;
  system: boolean;
}

export interface Import extends NodeBase {
  kind: 'Import';
  path: string;
}

// ---------------------------------------------------------------- statements

export type Stmt =
  | ExprStmt
  | AssignStmt
  | VarDeclStmt
  | IfStmt
  | WhileStmt
  | ForMapStmt
  | ForRangeStmt
  | UnrollStmt
  | JumpStmt
  | ReturnStmt
  | Block;

export interface Block extends NodeBase {
  kind: 'Block';
  stmts: Stmt[];
}

export interface ExprStmt extends NodeBase {
  kind: 'ExprStmt';
  expr: Expr;
}

export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=';

export interface AssignStmt extends NodeBase {
  kind: 'AssignStmt';
  op: AssignOp;
  /** The operator's own place (a compound assignment's division is reported from there). */
  opSpan: Span;
  /** Variable, MapAccess/MapRef, or (for the old syntax) a field of either. */
  target: Expr;
  value: Expr;
}

export interface VarDeclStmt extends NodeBase {
  kind: 'VarDeclStmt';
  variable: Variable;
  declaredType: TypeExpr | null;
  value: Expr | null;
}

export interface IfStmt extends NodeBase {
  kind: 'IfStmt';
  /** `if comptime cond`: decided when compiling; only the branch taken is checked and emitted. */
  comptime?: boolean;
  cond: Expr;
  then: Block;
  /** `else if` chains nest an IfStmt here. */
  else: Block | IfStmt | null;
}

export interface WhileStmt extends NodeBase {
  kind: 'WhileStmt';
  cond: Expr;
  body: Block;
}

/** `for ($kv : @map) { ... }` */
export interface ForMapStmt extends NodeBase {
  kind: 'ForMapStmt';
  variable: Variable;
  map: MapRef;
  body: Block;
}

/** `for ($i : start..end) { ... }` (end exclusive) */
export interface ForRangeStmt extends NodeBase {
  kind: 'ForRangeStmt';
  variable: Variable;
  start: Expr;
  end: Expr;
  body: Block;
}

export interface UnrollStmt extends NodeBase {
  kind: 'UnrollStmt';
  count: Expr;
  body: Block;
}

export interface JumpStmt extends NodeBase {
  kind: 'JumpStmt';
  jump: 'break' | 'continue';
}

export interface ReturnStmt extends NodeBase {
  kind: 'ReturnStmt';
  value: Expr | null;
}

// ---------------------------------------------------------------- expressions

export type Expr =
  | IntegerLit
  | StringLit
  | BoolLit
  | PositionalParam
  | PositionalCount
  | Variable
  | MapRef
  | MapAccess
  | Identifier
  | Call
  | Binary
  | Unary
  | Update
  | Ternary
  | FieldAccess
  | TupleIndex
  | IndexExpr
  | Cast
  | TupleExpr
  | RecordExpr
  | SizeofExpr
  | OffsetofExpr
  | TypeofExpr
  | BlockExpr;

export interface IntegerLit extends NodeBase {
  kind: 'IntegerLit';
  value: bigint;
  /** Source spelling, kept for the formatter (hex stays hex, `1_000` stays). */
  text: string;
  /** Type suffix as written (`u`, `ul`, `u8`, `i64`...), or null. */
  suffix: string | null;
  /** Duration unit of a duration literal (`1s`, `5ms`); value is already in nanoseconds. */
  unit: 'ns' | 'us' | 'ms' | 's' | 'm' | 'h' | 'd' | null;
  /** True for 'c' character literals (value is the code point). */
  isChar: boolean;
}

export interface StringLit extends NodeBase {
  kind: 'StringLit';
  /** Decoded bytes as a JS string of code units 0..255 (escapes resolved). */
  value: string;
}

export interface BoolLit extends NodeBase {
  kind: 'BoolLit';
  value: boolean;
}

/** `$1`, `$2`... */
export interface PositionalParam extends NodeBase {
  kind: 'PositionalParam';
  index: number;
}

/** `$#` */
export interface PositionalCount extends NodeBase {
  kind: 'PositionalCount';
}

/** `$name` */
export interface Variable extends NodeBase {
  kind: 'Variable';
  /** Without the `$`. */
  name: string;
}

/** `@name` used without a subscript (scalar map, or the whole map as a function argument). */
export interface MapRef extends NodeBase {
  kind: 'MapRef';
  /** Without the `@`; the anonymous map `@` has name "". */
  name: string;
}

/** `@name[k1, k2]` — several keys form a tuple key. */
export interface MapAccess extends NodeBase {
  kind: 'MapAccess';
  map: MapRef;
  keys: Expr[];
}

/** Bare word: a builtin (`pid`, `comm`, `args`, `arg0`, `retval`), or an enum constant. */
export interface Identifier extends NodeBase {
  kind: 'Identifier';
  name: string;
}

export interface Call extends NodeBase {
  kind: 'Call';
  callee: string;
  calleeSpan: Span;
  args: Expr[];
  /** For errorf/warnf written in a macro: the macro uses it came through, innermost first. */
  expandedFrom?: Span[];
}

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

export interface Binary extends NodeBase {
  kind: 'Binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
}

export type UnaryOp = '-' | '+' | '!' | '~' | '*' | '&';

export interface Unary extends NodeBase {
  kind: 'Unary';
  op: UnaryOp;
  operand: Expr;
}

/** `++x`, `x++`, `--x`, `x--` */
export interface Update extends NodeBase {
  kind: 'Update';
  op: '++' | '--';
  prefix: boolean;
  target: Expr;
}

export interface Ternary extends NodeBase {
  kind: 'Ternary';
  /** From an `if comptime` whose branches have values: only the branch taken is kept. */
  comptime?: boolean;
  cond: Expr;
  then: Expr;
  else: Expr;
}

/** `a.b` or `a->b` (the arrow is kept for the formatter; sema treats both alike). */
export interface FieldAccess extends NodeBase {
  kind: 'FieldAccess';
  base: Expr;
  field: string;
  fieldSpan: Span;
  arrow: boolean;
}

/** `$t.0` */
export interface TupleIndex extends NodeBase {
  kind: 'TupleIndex';
  base: Expr;
  index: number;
}

/** `a[i]` on arrays, pointers and strings (map subscripts are MapAccess). */
export interface IndexExpr extends NodeBase {
  kind: 'IndexExpr';
  base: Expr;
  index: Expr;
}

export interface Cast extends NodeBase {
  kind: 'Cast';
  type: TypeExpr;
  expr: Expr;
}

export interface TupleExpr extends NodeBase {
  kind: 'TupleExpr';
  elems: Expr[];
}

export interface RecordExpr extends NodeBase {
  kind: 'RecordExpr';
  fields: { name: string; nameSpan: Span; value: Expr }[];
}

export interface SizeofExpr extends NodeBase {
  kind: 'SizeofExpr';
  arg: TypeExpr | Expr;
}

export interface OffsetofExpr extends NodeBase {
  kind: 'OffsetofExpr';
  /** A type (`struct x`) or an expression whose type is used. */
  base: TypeExpr | Expr;
  /** Field path, `offsetof(struct a, b.c)` gives ["b", "c"]. */
  fields: string[];
}

export interface TypeofExpr extends NodeBase {
  kind: 'TypeofExpr';
  arg: TypeExpr | Expr;
}

/** `{ stmts; value }` used as an expression. */
export interface BlockExpr extends NodeBase {
  kind: 'BlockExpr';
  stmts: Stmt[];
  value: Expr;
}

// ---------------------------------------------------------------- types written in source

/**
 * A type as written in a cast, `let` declaration, sizeof/offsetof/typeof:
 * `uint32`, `struct task_struct *`, `unsigned long`, `int8[4]`, `typeof(x)`.
 */
export interface TypeExpr extends NodeBase {
  kind: 'TypeExpr';
  /** Base name with its tag, normalised to single spaces: "int32", "struct sock", "unsigned int". */
  name: string;
  pointerDepth: number;
  /** Array length for `int8[4]`, else null. */
  arrayLen: number | null;
  /** Pointers to the array (`int32[4]*`, `int32*[4]*`: 1), as 0.26 writes them after it. */
  arrayPointers?: number;
  /**
   * `typeof(expr)` written as a type (`let $y: typeof($x)`, `(typeof(@m))1`): the base type is
   * the expression's static type (name is then "typeof"). The expression is never evaluated.
   */
  of: Expr | null;
}

export type AnyNode = Program | TopLevel | Stmt | Expr | AttachPoint | ConfigEntry | TypeExpr;

/** Exhaustiveness helper for switches over discriminated unions. */
export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
