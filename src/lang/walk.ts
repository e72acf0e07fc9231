// Generic traversal of the AST. Every pass that only needs "visit all children" uses this, so a
// new node kind has exactly one place to be taught about here (the switch is exhaustive).

import type { AnyNode, Block, Expr, Stmt, TypeExpr } from './ast.ts';
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
    case 'TypeExpr':
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

/** Type guard: is this child of a sizeof/typeof/offsetof a written type rather than a value? */
export function isTypeExpr(x: TypeExpr | Expr): x is TypeExpr {
  return x.kind === 'TypeExpr';
}

/** True for statement kinds that end with a block and so need no `;` after them. */
export function isBlockLike(s: Stmt): s is Block | Stmt {
  switch (s.kind) {
    case 'IfStmt':
    case 'WhileStmt':
    case 'ForMapStmt':
    case 'ForRangeStmt':
    case 'UnrollStmt':
    case 'Block':
      return true;
    default:
      return false;
  }
}
