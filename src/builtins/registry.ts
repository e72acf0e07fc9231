// Name → builtin. Every builtin module registers its objects here.

import * as output from './output.ts';
import * as rt from './runtime-fns.ts';
import * as stacks from './stacks.ts';
import * as strings from './strings.ts';
import * as stringFns from './string-fns.ts';
import * as task from './task.ts';
import type { Builtin } from './types.ts';

const table = new Map<string, Builtin>();

function add(b: Builtin): void {
  table.set(b.name, b);
}

for (const b of [
  task.pid,
  task.tid,
  task.uid,
  task.gid,
  task.cpu,
  task.rand,
  task.jiffies,
  task.numaid,
  task.cgroup,
  task.curtask,
  task.nsecs,
  task.ncpus,
  task.comm,
  task.ctx,
  task.retval,
  task.ppid,
  task.pcomm,
])
  add(b);
for (let i = 0; i < 16; i++) add(task.argN(i));
for (const b of [
  output.printf,
  output.errorf,
  output.warnf,
  output.system,
  output.exit,
  output.clear,
  output.zero,
  output.print,
  output.deleteFn,
])
  add(b);
for (const b of [strings.str]) add(b);
for (const b of [stringFns.strlen, stringFns.strncmp, stringFns.strstr, stringFns.strcontains, stringFns.strConcat]) add(b);
for (const b of [stacks.kstack, stacks.ustack, stacks.ksymFn, stacks.kaddrFn]) add(b);
for (const b of [rt.username, rt.elapsed, rt.cpid, rt.strftimeFn, rt.time, rt.cat, rt.join]) add(b);

export function lookupBuiltin(name: string): Builtin | undefined {
  return table.get(name);
}

export function builtinNames(): string[] {
  return [...table.keys()];
}
