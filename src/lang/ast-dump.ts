// `-d ast`: the tree as an indented outline, one node per line with its kind and the fields
// that matter, child roles named where the position alone would not say (cond/then/else).

import type { AnyNode, Program } from './ast.ts';
import { unreachable } from './ast.ts';
import { printType, quoteString } from './print-expr.ts';
import { forEachChild } from './walk.ts';

export function dumpAst(program: Program): string {
  const lines: string[] = [];
  const go = (n: AnyNode, depth: number, role: string): void => {
    const detail = describe(n);
    lines.push(`${'  '.repeat(depth)}${role ? `${role}: ` : ''}${n.kind}${detail ? ` ${detail}` : ''}`);
    const roles = childRoles(n);
    let i = 0;
    forEachChild(n, (c) => {
      go(c, depth + 1, roles[i] ?? '');
      i++;
    });
  };
  go(program, 0, '');
  return `${lines.join('\n')}\n`;
}

function describe(n: AnyNode): string {
  switch (n.kind) {
    case 'Program':
    case 'Block':
    case 'ExprStmt':
    case 'WhileStmt':
    case 'ForMapStmt':
    case 'ForRangeStmt':
    case 'UnrollStmt':
    case 'ReturnStmt':
    case 'ConfigBlock':
    case 'Probe':
    case 'PositionalCount':
    case 'Ternary':
    case 'IndexExpr':
    case 'TupleExpr':
    case 'SizeofExpr':
    case 'TypeofExpr':
    case 'BlockExpr':
    case 'MapAccess':
    case 'VarDeclStmt':
      return '';
    case 'IfStmt':
      return n.comptime ? 'comptime' : '';
    case 'AttachPoint':
      return n.raw;
    case 'ConfigEntry':
      return n.key;
    case 'MacroDef':
      return n.value ? `${n.name} (has value)` : n.name;
    case 'MapDecl':
      return `@${n.name} ${n.mapKind}`;
    case 'CDefinition':
      return quoteString(n.text);
    case 'Include':
      return n.system ? `<${n.path}>` : quoteString(n.path);
    case 'Import':
      return quoteString(n.path);
    case 'AssignStmt':
      return n.op;
    case 'JumpStmt':
      return n.jump;
    case 'IntegerLit': {
      const parts = [n.value.toString()];
      if (n.text !== '' && n.text !== parts[0]) parts.push(`(${n.text})`);
      if (n.suffix) parts.push(`suffix=${n.suffix}`);
      if (n.unit) parts.push(`unit=${n.unit}`);
      if (n.isChar) parts.push('char');
      return parts.join(' ');
    }
    case 'StringLit':
      return quoteString(n.value);
    case 'BoolLit':
      return String(n.value);
    case 'PositionalParam':
      return `$${n.index}`;
    case 'Variable':
      return `$${n.name}`;
    case 'MapRef':
      return `@${n.name}`;
    case 'Identifier':
      return n.name;
    case 'Call':
      return n.callee;
    case 'Binary':
    case 'Unary':
      return n.op;
    case 'Update':
      return `${n.op} ${n.prefix ? 'prefix' : 'postfix'}`;
    case 'FieldAccess':
      return `${n.arrow ? '->' : '.'}${n.field}`;
    case 'TupleIndex':
      return `.${n.index}`;
    case 'Cast':
      return printType(n.type);
    case 'RecordExpr':
      return n.fields.map((f) => f.name).join(', ');
    case 'OffsetofExpr':
      return n.fields.join('.');
    case 'TypeExpr':
      return printType(n);
    default:
      return unreachable(n);
  }
}

/** Labels for children in forEachChild order, where a position alone is ambiguous. */
function childRoles(n: AnyNode): string[] {
  switch (n.kind) {
    case 'Probe':
      return [...n.attachPoints.map(() => ''), ...(n.predicate ? ['predicate'] : []), 'body'];
    case 'IfStmt':
    case 'Ternary':
      return ['cond', 'then', 'else'];
    case 'WhileStmt':
      return ['cond', 'body'];
    case 'ForRangeStmt':
      return ['var', 'start', 'end', 'body'];
    case 'ForMapStmt':
      return ['var', 'map', 'body'];
    case 'UnrollStmt':
      return ['count', 'body'];
    case 'AssignStmt':
      return ['target', 'value'];
    case 'VarDeclStmt':
      return ['var', ...(n.declaredType ? ['type'] : []), ...(n.value ? ['value'] : [])];
    case 'MacroDef':
      return [...n.params.map(() => 'param'), 'body', 'value'];
    case 'BlockExpr':
      return [...n.stmts.map(() => ''), 'value'];
    case 'RecordExpr':
      return n.fields.map((f) => f.name);
    case 'IndexExpr':
      return ['base', 'index'];
    default:
      return [];
  }
}
