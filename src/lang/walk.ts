// Generic traversal of the AST. Every pass that only needs "visit all children" uses this, so a
// new node kind has exactly one place to be taught about here (the switch is exhaustive).

import type { AnyNode, Block, Expr, MapRef, Stmt, TypeExpr, Variable } from './ast.ts';
import { unreachable } from './ast.ts';

/** Calls `fn` on each direct child of `node`, in source order. */
export function forEachChild(node: AnyNode, fn: (child: AnyNode) => void): void {
  switch (node.kind) {
    case 'Program':
      for (const item of node.items) fn(item);
      return;
    case 'Probe':
      for (const ap of node.attachPoints) fn(ap);
      if (node.predicate) fn(node.predicate);
      fn(node.body);
      return;
    case 'ConfigBlock':
      for (const e of node.entries) fn(e);
      return;
    case 'ConfigEntry':
      fn(node.value);
      return;
    case 'MacroDef':
      for (const p of node.params) fn(p);
      fn(node.body);
      if (node.value) fn(node.value);
      return;
    case 'MapDecl':
      for (const a of node.args) fn(a);
      return;
    case 'AttachPoint':
    case 'CDefinition':
    case 'Include':
    case 'Import':
    case 'JumpStmt':
    case 'IntegerLit':
    case 'StringLit':
    case 'BoolLit':
    case 'PositionalParam':
    case 'PositionalCount':
    case 'Variable':
    case 'MapRef':
    case 'Identifier':
      return;
    case 'TypeExpr':
      if (node.of) fn(node.of);
      return;
    case 'Block':
      for (const s of node.stmts) fn(s);
      return;
    case 'ExprStmt':
      fn(node.expr);
      return;
    case 'AssignStmt':
      fn(node.target);
      fn(node.value);
      return;
    case 'VarDeclStmt':
      fn(node.variable);
      if (node.declaredType) fn(node.declaredType);
      if (node.value) fn(node.value);
      return;
    case 'IfStmt':
      fn(node.cond);
      fn(node.then);
      if (node.else) fn(node.else);
      return;
    case 'WhileStmt':
      fn(node.cond);
      fn(node.body);
      return;
    case 'ForMapStmt':
      fn(node.variable);
      fn(node.map);
      fn(node.body);
      return;
    case 'ForRangeStmt':
      fn(node.variable);
      fn(node.start);
      fn(node.end);
      fn(node.body);
      return;
    case 'UnrollStmt':
      fn(node.count);
      fn(node.body);
      return;
    case 'ReturnStmt':
      if (node.value) fn(node.value);
      return;
    case 'MapAccess':
      fn(node.map);
      for (const k of node.keys) fn(k);
      return;
    case 'Call':
      for (const a of node.args) fn(a);
      return;
    case 'Binary':
      fn(node.left);
      fn(node.right);
      return;
    case 'Unary':
      fn(node.operand);
      return;
    case 'Update':
      fn(node.target);
      return;
    case 'Ternary':
      fn(node.cond);
      fn(node.then);
      fn(node.else);
      return;
    case 'FieldAccess':
    case 'TupleIndex':
      fn(node.base);
      return;
    case 'IndexExpr':
      fn(node.base);
      fn(node.index);
      return;
    case 'Cast':
      fn(node.type);
      fn(node.expr);
      return;
    case 'TupleExpr':
      for (const e of node.elems) fn(e);
      return;
    case 'RecordExpr':
      for (const f of node.fields) fn(f.value);
      return;
    case 'SizeofExpr':
    case 'TypeofExpr':
      fn(node.arg);
      return;
    case 'OffsetofExpr':
      fn(node.base);
      return;
    case 'BlockExpr':
      for (const s of node.stmts) fn(s);
      fn(node.value);
      return;
    default:
      unreachable(node);
  }
}

/** Depth-first pre-order visit of `node` and everything below it. */
export function visitAll(node: AnyNode, fn: (n: AnyNode) => void): void {
  const go = (n: AnyNode): void => {
    fn(n);
    forEachChild(n, go);
  };
  go(node);
}

/** Callbacks for mapChildren; each returns the replacement for what it was given. */
export interface ChildMapper {
  expr(e: Expr): Expr;
  /** A statement list: a probe body, a block, a block expression's statements. */
  stmts(list: Stmt[]): Stmt[];
  /** Slots that must stay a variable or a map (loop variables, map keys' map); edit in place. */
  ref?(r: Variable | MapRef): void;
  type?(t: TypeExpr): TypeExpr;
}

/**
 * Replaces the direct children of `node` through `m` (not recursive: the callbacks decide how
 * deep to go). Nested `else if` statements are mapped in place.
 */
export function mapChildren(node: AnyNode, m: ChildMapper): void {
  // Helpers are module functions rather than closures: this runs for every node of a script.
  switch (node.kind) {
    case 'Program':
    case 'AttachPoint':
    case 'CDefinition':
    case 'Include':
    case 'Import':
    case 'JumpStmt':
    case 'IntegerLit':
    case 'StringLit':
    case 'BoolLit':
    case 'PositionalParam':
    case 'PositionalCount':
    case 'Identifier':
      return;
    case 'TypeExpr':
      if (node.of) node.of = m.expr(node.of);
      return;
    case 'Variable':
    case 'MapRef':
      return;
    case 'Probe':
      if (node.predicate) node.predicate = m.expr(node.predicate);
      mapBlock(node.body, m);
      return;
    case 'ConfigBlock':
      for (const e of node.entries) e.value = m.expr(e.value);
      return;
    case 'ConfigEntry':
      node.value = m.expr(node.value);
      return;
    case 'MacroDef':
      mapBlock(node.body, m);
      if (node.value) node.value = m.expr(node.value);
      return;
    case 'MapDecl':
      mapEach(node.args, m);
      return;
    case 'Block':
      mapBlock(node, m);
      return;
    case 'ExprStmt':
      node.expr = m.expr(node.expr);
      return;
    case 'AssignStmt':
      node.target = m.expr(node.target);
      node.value = m.expr(node.value);
      return;
    case 'VarDeclStmt':
      m.ref?.(node.variable);
      if (node.declaredType) node.declaredType = mapType(node.declaredType, m);
      if (node.value) node.value = m.expr(node.value);
      return;
    case 'IfStmt':
      node.cond = m.expr(node.cond);
      mapBlock(node.then, m);
      if (node.else?.kind === 'IfStmt') mapChildren(node.else, m);
      else if (node.else) mapBlock(node.else, m);
      return;
    case 'WhileStmt':
      node.cond = m.expr(node.cond);
      mapBlock(node.body, m);
      return;
    case 'ForMapStmt':
      m.ref?.(node.variable);
      m.ref?.(node.map);
      mapBlock(node.body, m);
      return;
    case 'ForRangeStmt':
      m.ref?.(node.variable);
      node.start = m.expr(node.start);
      node.end = m.expr(node.end);
      mapBlock(node.body, m);
      return;
    case 'UnrollStmt':
      node.count = m.expr(node.count);
      mapBlock(node.body, m);
      return;
    case 'ReturnStmt':
      if (node.value) node.value = m.expr(node.value);
      return;
    case 'MapAccess':
      m.ref?.(node.map);
      mapEach(node.keys, m);
      return;
    case 'Call':
      mapEach(node.args, m);
      return;
    case 'Binary':
      node.left = m.expr(node.left);
      node.right = m.expr(node.right);
      return;
    case 'Unary':
      node.operand = m.expr(node.operand);
      return;
    case 'Update':
      node.target = m.expr(node.target);
      return;
    case 'Ternary':
      node.cond = m.expr(node.cond);
      node.then = m.expr(node.then);
      node.else = m.expr(node.else);
      return;
    case 'FieldAccess':
    case 'TupleIndex':
      node.base = m.expr(node.base);
      return;
    case 'IndexExpr':
      node.base = m.expr(node.base);
      node.index = m.expr(node.index);
      return;
    case 'Cast':
      node.type = mapType(node.type, m);
      node.expr = m.expr(node.expr);
      return;
    case 'TupleExpr':
      mapEach(node.elems, m);
      return;
    case 'RecordExpr':
      for (const f of node.fields) f.value = m.expr(f.value);
      return;
    case 'SizeofExpr':
    case 'TypeofExpr':
      node.arg = typeOrExpr(node.arg, m);
      return;
    case 'OffsetofExpr':
      node.base = typeOrExpr(node.base, m);
      return;
    case 'BlockExpr':
      node.stmts = m.stmts(node.stmts);
      node.value = m.expr(node.value);
      return;
    default:
      unreachable(node);
  }
}

function mapType(t: TypeExpr, m: ChildMapper): TypeExpr {
  // The operand of a `typeof(expr)` type is syntax like any other (macro arguments in it...).
  if (t.of) t.of = m.expr(t.of);
  return m.type ? m.type(t) : t;
}

function typeOrExpr(x: TypeExpr | Expr, m: ChildMapper): TypeExpr | Expr {
  return x.kind === 'TypeExpr' ? mapType(x, m) : m.expr(x);
}

function mapBlock(b: Block, m: ChildMapper): void {
  b.stmts = m.stmts(b.stmts);
}

/** In place: fresh arrays for every call's arguments would mostly be garbage. */
function mapEach(list: Expr[], m: ChildMapper): void {
  for (let i = 0; i < list.length; i++) list[i] = m.expr(list[i] as Expr);
}
