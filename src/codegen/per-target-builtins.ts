// Builtins whose value depends on which target of a probe fired (its `args` layout, its name,
// the binary uaddr() resolves in): a probe reading them cannot simply share one program.

import type { Probe } from '../lang/ast.ts';
import { visitAll } from '../lang/walk.ts';

/** Whether the body reads `args`, `uaddr()` or (unless `exceptProbe`) `probe`. */
export function usesPerTargetBuiltins(probe: Probe, exceptProbe: boolean): boolean {
  let found = false;
  visitAll(probe, (n) => {
    if (
      (n.kind === 'Identifier' && (n.name === 'args' || (n.name === 'probe' && !exceptProbe))) ||
      (n.kind === 'Call' && ((n.callee === 'probe' && !exceptProbe) || n.callee === 'uaddr'))
    )
      found = true;
  });
  return found;
}
