// The script's own preprocessor conditionals (`#ifndef BPFTRACE_HAVE_BTF` ... `#endif`, as
// bpftrace's tools guard the kernel headers and struct definitions that BTF makes unnecessary).
// bpftrace hands the script's C parts to clang, so a branch clang would skip defines nothing:
// its includes, struct definitions and `#define`s are dropped here before later passes see them.
// Only conditions on a name's definedness can be decided (the script's own `#define`s, the
// target's macros, BPFTRACE_HAVE_BTF); a branch under any other condition is kept, as before.

import type { Program, TopLevel } from './ast.ts';
import { CONDITIONAL, conditionTruth, targetMacro } from './headers.ts';

const DEFINE = /^#\s*define\s+([A-Za-z_]\w*)/;
const UNDEF = /^#\s*undef\s+([A-Za-z_]\w*)/;

/** One open `#if` group: whether its current branch is read (null: not known), and whether an earlier branch was. */
interface Group {
  reading: boolean | null;
  taken: boolean | null;
}

/** Whether clang would read each item: true, false, or null where a condition could not be decided. */
export function conditionalStates(program: Program, haveBtf: boolean): Map<TopLevel, boolean | null> {
  const defined = new Set<string>(haveBtf ? ['BPFTRACE_HAVE_BTF'] : []);
  const isDefined = (name: string): boolean | null =>
    defined.has(name) ? true : (targetMacro(name) ?? (name === 'BPFTRACE_HAVE_BTF' ? false : null));
  const groups: Group[] = [];
  const states = new Map<TopLevel, boolean | null>();
  for (const item of program.items) {
    const reading = groups.some((g) => g.reading === false) ? false : groups.every((g) => g.reading === true) ? true : null;
    const directive = item.kind === 'CDefinition' && item.text.startsWith('#') ? CONDITIONAL.exec(item.text) : null;
    if (directive) {
      follow(groups, directive[1] as string, directive[2] as string, isDefined);
      continue;
    }
    states.set(item, reading);
    if (item.kind !== 'CDefinition' || reading !== true) continue;
    const def = DEFINE.exec(item.text);
    if (def) defined.add(def[1] as string);
    const undef = UNDEF.exec(item.text);
    if (undef) defined.delete(undef[1] as string);
  }
  return states;
}

/** Drops the C parts (includes, definitions, `#define`s) of branches clang would skip. */
export function dropInactive(program: Program, states: Map<TopLevel, boolean | null>): void {
  program.items = program.items.filter((item) => !((item.kind === 'Include' || item.kind === 'CDefinition') && states.get(item) === false));
}

/** Moves the open groups past one conditional directive. */
function follow(groups: Group[], directive: string, rest: string, isDefined: (name: string) => boolean | null): void {
  const top = groups[groups.length - 1];
  switch (directive) {
    case 'ifdef':
    case 'ifndef':
    case 'if': {
      const c = conditionTruth(directive, rest, isDefined);
      groups.push({ reading: c, taken: c });
      return;
    }
    case 'elif':
      if (!top) return;
      if (top.taken === true) top.reading = false;
      else if (top.taken === false) {
        const c = conditionTruth('if', rest, isDefined);
        top.reading = c;
        top.taken = c;
      } else top.reading = null;
      return;
    case 'else':
      if (top) top.reading = top.taken === null ? null : !top.taken;
      return;
    case 'endif':
      groups.pop();
      return;
  }
}
