// Node ids are handed out by one counter per compilation, so passes that add nodes after the
// parser (desugaring, macro expansion) keep every id in the program unique.

import type { AnyNode, Program } from './ast.ts';
import { forEachChild } from './walk.ts';

export class IdGen {
  constructor(private nextId = 1) {}

  take(): number {
    return this.nextId++;
  }

  /** The id the next node will get; ids below it are taken. */
  get peek(): number {
    return this.nextId;
  }

  /** A generator that continues after the largest id already used in `program`. */
  static after(program: Program): IdGen {
    let max = 0;
    const visit = (n: AnyNode): void => {
      if (n.id > max) max = n.id;
      forEachChild(n, visit);
    };
    visit(program);
    return new IdGen(max + 1);
  }
}
