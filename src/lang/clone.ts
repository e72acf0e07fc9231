// Deep copies of syntax with fresh ids. Macro expansion pastes a macro body (and argument
// expressions) at each call site, and every pasted node must be distinct so that later passes
// can key side tables by id.

import type { AnyNode } from './ast.ts';
import type { IdGen } from './ids.ts';

/** Copies a node tree; spans are kept (errors still point at what the user wrote). */
export function cloneNode<T extends AnyNode>(node: T, ids: IdGen): T {
  return copy(node, ids) as T;
}

function copy(v: unknown, ids: IdGen): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => copy(x, ids));
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key in src) {
    out[key] = key === 'id' ? ids.take() : copy(src[key], ids);
  }
  return out;
}
