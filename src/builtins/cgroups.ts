// cgroupid(path): a cgroup's id, resolved when the script is compiled; cgroup_path(id[, filter]):
// the id, printed as the cgroup's paths (runtime/cgroup-paths.ts).
//
// A cgroup_path value is 16 bytes: the id, then the index of its call's hierarchy filter.

import { statSync } from 'node:fs';
import { Reg } from '../bpf/insn.ts';
import type { Expr } from '../lang/ast.ts';
import { cgroupFilterIndex } from '../runtime/cgroup-paths.ts';
import { type Type, typeKindWord, UINT64 } from '../sema/types.ts';
import { literalStringArg, literalText, storeImmAt } from './gen-util.ts';
import type { Builtin } from './types.ts';

/** A cgroup's id is the inode number of its directory in the cgroup2 hierarchy. */
function cgroupIdOf(path: string): bigint | string {
  try {
    return statSync(path, { bigint: true }).ino;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : String(code ?? e);
  }
}

export const cgroupid: Builtin = {
  name: 'cgroupid',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const path = literalStringArg(cx, 'cgroupid', call.args[0] as Expr);
    if (path === null) return UINT64;
    const id = cgroupIdOf(path);
    if (typeof id === 'string') {
      cx.diags.error(
        call.span,
        `Failed to get \`cgroupid\` for path: "${path}": ${id}`,
        'give the path of a cgroup directory, e.g. /sys/fs/cgroup/system.slice',
      );
      return UINT64;
    }
    cx.callConstants.set(call.id, id);
    return UINT64;
  },
  emit(call, em) {
    const v = em.sema.callConstants.get(call.id);
    return { kind: 'imm', value: typeof v === 'bigint' ? v : 0n };
  },
};

const CGROUP_PATH: Type = { kind: 'symbolic', what: 'cgroup_path' };

export const cgroupPath: Builtin = {
  name: 'cgroup_path',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 2,
  check(call, cx) {
    const [id, filter] = call.args as [Expr, Expr | undefined];
    const t = cx.check(id);
    if (t.kind !== 'int') cx.diags.error(id.span, `cgroup_path() expects an integer cgroup id (${typeKindWord(t)} provided)`);
    if (filter && cx.literalString(filter) === null)
      cx.diags.error(filter.span, 'cgroup_path() expects a string literal as its filter', 'e.g. cgroup_path(cgroup, "unified")');
    return CGROUP_PATH;
  },
  emit(call, em) {
    const [id, filter] = call.args as [Expr, Expr | undefined];
    const dest = em.memDest ?? em.allocMem(16);
    const v = em.scalar(id);
    em.storeReg(8, dest, 0, em.reg(v, Reg.R0), Reg.R2);
    em.free(v);
    storeImmAt(em, dest, 8, 8, cgroupFilterIndex((filter && literalText(em, filter)) ?? '*'));
    return { kind: 'mem', loc: dest };
  },
};
