// Name → builtin. Every builtin module registers its objects here.

import * as addressSpace from './address-space.ts';
import * as bytes from './bytes.ts';
import * as cgroups from './cgroups.ts';
import * as comptime from './comptime.ts';
import * as control from './control.ts';
import * as debug from './debug.ts';
import * as kernelVars from './kernel-vars.ts';
import * as kfuncs from './kfuncs.ts';
import * as mapFind from './map-find.ts';
import * as mapFns from './map-fns.ts';
import * as memCompare from './mem-compare.ts';
import * as nameLookup from './name-lookup.ts';
import * as net from './net.ts';
import * as output from './output.ts';
import { override } from './override.ts';
import { path } from './path.ts';
import * as pointers from './pointers.ts';
import * as rt from './runtime-fns.ts';
import * as scriptInfo from './script-info.ts';
import { skboutput } from './skboutput.ts';
import { socketCookie } from './socket-cookie.ts';
import * as stacks from './stacks.ts';
import * as stringFns from './string-fns.ts';
import * as strings from './strings.ts';
import * as task from './task.ts';
import { typeinfo } from './typeinfo.ts';
import type { Builtin } from './types.ts';
import { unwatch } from './unwatch.ts';
import * as user from './user.ts';
import { writeUser } from './write-user.ts';

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
for (const b of [addressSpace.uptr, addressSpace.kptr, addressSpace.usermode, addressSpace.uaddr]) add(b);
for (const b of [stringFns.strlen, stringFns.strncmp, stringFns.strstr, stringFns.strcontains, stringFns.strConcat]) add(b);
for (const b of [mapFns.hasKey, mapFns.len, bytes.bswap, bytes.buf, net.pton, net.ntop, net.macaddr]) add(b);
for (const b of [control.assert, control.signal, control.signalThread, control.probe]) add(b);
for (const b of [override, unwatch, path, skboutput]) add(b);
for (const b of [
  comptime.isStr,
  typeinfo,
  comptime.isPtr,
  comptime.isArray,
  comptime.isInteger,
  comptime.isUnsignedInteger,
  comptime.isLiteral,
  comptime.fail,
  comptime.staticAssert,
  comptime.assertStr,
])
  add(b);
for (const b of [memCompare.strcap, memCompare.defaultStrLength, memCompare.memcmp]) add(b);
for (const b of [scriptInfo.probetype, scriptInfo.hasCpid, scriptInfo.config]) add(b);
for (const b of [nameLookup.strerror, nameLookup.signalName, nameLookup.syscallName]) add(b);
for (const b of [debug.debugf, kernelVars.percpuKaddr]) add(b);
for (const b of [stacks.kstack, stacks.ustack, stacks.dwUstack, stacks.ksymFn, stacks.kaddrFn]) add(b);
for (const b of [user.func, user.usym, user.reg]) add(b);
for (let i = 0; i < 8; i++) add(user.sargN(i));
for (const b of [rt.username, rt.elapsed, rt.cpid, rt.strftimeFn, rt.time, rt.cat, rt.join, rt.getopt]) add(b);

for (const b of [pointers.leaderComm, pointers.leaderTid, pointers.containerOf, pointers.isErr]) add(b);
for (const b of [cgroups.cgroupid, cgroups.cgroupPath, kfuncs.kfuncExist, kfuncs.kfuncAllowed]) add(b);
for (const b of [mapFind.find, socketCookie, writeUser]) add(b);

/**
 * 0.26's stdlib wraps its builtin values in macros (`macro comm() { __builtin_comm }`), and
 * scripts may name the wrapped value directly; that spelling is never shadowed by a macro.
 */
const BUILTIN_PREFIX = '__builtin_';

export function lookupBuiltin(name: string): Builtin | undefined {
  if (!name.startsWith(BUILTIN_PREFIX)) return table.get(name);
  const b = table.get(name.slice(BUILTIN_PREFIX.length));
  return b?.ident ? b : undefined;
}

export function builtinNames(): string[] {
  return [...table.keys()];
}
