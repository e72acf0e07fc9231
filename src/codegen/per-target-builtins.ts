// Builtins whose value depends on which target of a probe fired (its `args` layout, its name,
// the binary uaddr() resolves in): a probe reading them cannot simply share one program.

import type { AnyNode, Probe } from '../lang/ast.ts';
import { visitAll } from '../lang/walk.ts';

/** Whether the probe (predicate or body) has a node `test` accepts. */
function reads(probe: Probe, test: (n: AnyNode) => boolean): boolean {
  let found = false;
  visitAll(probe, (n) => {
    if (test(n)) found = true;
  });
  return found;
}

const isProbeName = (n: AnyNode): boolean => (n.kind === 'Identifier' && n.name === 'probe') || (n.kind === 'Call' && n.callee === 'probe');

/** Whether the body reads `args`, `uaddr()` or (unless `exceptProbe`) `probe`. */
export function usesPerTargetBuiltins(probe: Probe, exceptProbe: boolean): boolean {
  return reads(
    probe,
    (n) =>
      (n.kind === 'Identifier' && n.name === 'args') || (n.kind === 'Call' && n.callee === 'uaddr') || (!exceptProbe && isProbeName(n)),
  );
}

/** Whether the probe reads `probe` (bpftrace 0.26 then makes a program per attach point). */
export function readsProbeName(probe: Probe): boolean {
  return reads(probe, isProbeName);
}
