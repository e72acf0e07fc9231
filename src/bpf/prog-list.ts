// The BPF programs loaded in the kernel (anyone's), by id as `bpftool prog show` finds them, with
// the functions their BTF names: what fentry:bpf/fexit:bpf probes attach to, and what tests check
// a run really loaded (one raw tracepoint, not hundreds of tracepoint programs). The kernel lists programs by id; each one's
// bpf_prog_info gives its BTF object and func_info records (one per function: the program
// itself first, then its sub-programs), and that BTF names the functions.

import { type Btf, parseBtf } from '../btf/btf.ts';
import { Attr, BTF_INFO, GET_ID, OBJ_GET_INFO_BY_FD, PROG_INFO } from './attr.ts';
import { BPF_BTF_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD, BPF_PROG_GET_FD_BY_ID, BPF_PROG_GET_NEXT_ID } from './constants.ts';
import { checkBpf, cString, ENOENT, type Sys } from './sys.ts';

/** One function of a running program, as its BTF describes it. */
export interface BpfProgFunc {
  name: string;
  /** Id of its FUNC record in the program's BTF: the attach_btf_id of a program on it. */
  btfId: number;
  /**
   * The u64 slot of an fexit program's context that holds the return value: after the
   * arguments, or the sixth where the kernel does not trust the prototype (see retvalSlot).
   */
  retvalSlot: number;
  /** Its return value, or null for void. */
  ret: { size: number; signed: boolean } | null;
}

export interface RunningProgram {
  id: number;
  /** The kernel's 15-character name (bpf_prog_info.name). */
  name: string;
  /** Whether it was loaded with BTF (bpftrace lists only those). */
  hasBtf: boolean;
  /** The program's functions (main first); empty for programs loaded without BTF func info. */
  funcs: BpfProgFunc[];
}

/** struct bpf_func_info: insn_off, type_id. */
const FUNC_INFO_SIZE = 8;

/** Registers a trampoline saves for a function whose prototype the verifier distrusts (MAX_BPF_FUNC_REG_ARGS). */
const UNTRUSTED_ARGS = 5;

/**
 * Where fexit finds the return value. The verifier checks a program's entry function's BTF
 * arguments against its context register; when they disagree (an argument that is not a
 * pointer to a struct, the context, as in bpftrace's `int64 f(int8 *ctx)`), it marks the
 * prototype unreliable and trampolines pass five registers. A pointer to a struct is taken to
 * be the context type; sub-programs are taken to match their callers.
 */
function retvalSlot(btf: Btf, params: readonly { type: number }[], entry: boolean, argSlots: number): number {
  if (!entry || params.length === 0) return argSlots;
  const first = btf.get(btf.resolve((params[0] as { type: number }).type));
  const pointee = first.kind === 'ptr' ? btf.get(btf.resolve(first.type)) : null;
  return params.length === 1 && pointee?.kind === 'struct' ? argSlots : UNTRUSTED_ARGS;
}

/** One function's signature from the program's BTF (by its FUNC id), or null when it is not a FUNC. */
function describeFunc(btf: Btf, typeId: number, entry: boolean): BpfProgFunc | null {
  if (typeId <= 0 || typeId > btf.count) return null;
  const func = btf.get(typeId);
  if (func.kind !== 'func') return null;
  const proto = btf.get(func.type);
  if (proto.kind !== 'func_proto') return null;
  const argSlots = proto.params.reduce((n, p) => n + Math.max(1, Math.ceil(btf.sizeof(p.type) / 8)), 0);
  const ret = btf.get(btf.resolve(proto.returnType));
  return {
    name: func.name,
    btfId: typeId,
    retvalSlot: retvalSlot(btf, proto.params, entry, argSlots),
    ret: ret.kind === 'void' ? null : ret.kind === 'int' ? { size: ret.size, signed: ret.signed } : { size: 8, signed: false },
  };
}

/** Reads an object's info struct into `mem` (`len` bytes asked for): the raw result. */
function tryObjInfo(sys: Sys, fd: number, addr: bigint, len: number): number {
  const q = new Attr(OBJ_GET_INFO_BY_FD).u32('bpf_fd', fd).u32('info_len', len).u64('info', addr);
  return sys.bpf(BPF_OBJ_GET_INFO_BY_FD, q.bytes);
}

function objInfo(sys: Sys, fd: number, addr: bigint, len: number, what: string): void {
  checkBpf(tryObjInfo(sys, fd, addr, len), BPF_OBJ_GET_INFO_BY_FD, what);
}

/** A new fd of program `id`, or the negative errno (ENOENT: unloaded meanwhile). */
function progFdById(sys: Sys, id: number): number {
  return sys.bpf(BPF_PROG_GET_FD_BY_ID, new Attr(GET_ID).u32('id', id).bytes);
}

/** The name in a bpf_prog_info that `mem` holds (15 characters at most, as the kernel keeps it). */
function progInfoName(mem: Uint8Array): string {
  const at = PROG_INFO.offsets.name;
  return cString(mem.subarray(at, at + 16));
}

/** The raw BTF blob of BTF object `btfId`. */
function readBtf(sys: Sys, btfId: number): Uint8Array {
  const fd = checkBpf(sys.bpf(BPF_BTF_GET_FD_BY_ID, new Attr(GET_ID).u32('id', btfId).bytes), BPF_BTF_GET_FD_BY_ID, `BTF object ${btfId}`);
  const mem = sys.alloc(BTF_INFO.size);
  try {
    const info = new Attr(BTF_INFO, mem.bytes);
    objInfo(sys, fd, mem.addr, BTF_INFO.size, `BTF object ${btfId}`);
    const size = info.get32('btf_size');
    const blob = sys.alloc(size);
    try {
      mem.bytes.fill(0);
      info.u64('btf', blob.addr).u32('btf_size', size);
      objInfo(sys, fd, mem.addr, BTF_INFO.size, `BTF object ${btfId}`);
      return blob.bytes.slice(0, size);
    } finally {
      sys.free(blob);
    }
  } finally {
    sys.free(mem);
    sys.close(fd);
  }
}

/** The functions of one program (open as `fd`), from its func_info and BTF. */
function programFuncs(
  sys: Sys,
  fd: number,
  info: Attr<keyof typeof PROG_INFO.offsets>,
  mem: { addr: bigint; bytes: Uint8Array },
): BpfProgFunc[] {
  const btfId = info.get32('btf_id');
  const count = info.get32('nr_func_info');
  if (!btfId || !count) return [];
  const recSize = info.get32('func_info_rec_size') || FUNC_INFO_SIZE;
  const recs = sys.alloc(count * recSize);
  try {
    mem.bytes.fill(0);
    info.u32('nr_func_info', count).u32('func_info_rec_size', recSize).u64('func_info', recs.addr);
    objInfo(sys, fd, mem.addr, PROG_INFO.size, 'program info');
    const btf = parseBtf(readBtf(sys, btfId));
    const view = new DataView(recs.bytes.buffer, recs.bytes.byteOffset, recs.bytes.byteLength);
    const out: BpfProgFunc[] = [];
    for (let i = 0; i < count; i++) {
      const f = describeFunc(btf, view.getUint32(i * recSize + 4, true), i === 0);
      if (f) out.push(f);
    }
    return out;
  } finally {
    sys.free(recs);
  }
}

/**
 * Every program loaded now, in id order. Programs that go away once listed, or can not
 * be opened or described, are left out; one whose functions can not be read is listed without
 * them. Throws a SyscallError when the kernel will not list programs at all (EPERM without
 * CAP_SYS_ADMIN).
 */
export function runningPrograms(sys: Sys): RunningProgram[] {
  const out: RunningProgram[] = [];
  const mem = sys.alloc(PROG_INFO.size);
  try {
    const info = new Attr(PROG_INFO, mem.bytes);
    for (const id of loadedProgramIds(sys)) {
      const fd = progFdById(sys, id);
      // Unloaded meanwhile (ENOENT), or not ours to open: left out, as bpftrace does.
      if (fd < 0) continue;
      try {
        mem.bytes.fill(0);
        if (tryObjInfo(sys, fd, mem.addr, PROG_INFO.size) < 0) continue;
        const name = progInfoName(mem.bytes);
        const hasBtf = info.get32('btf_id') !== 0;
        let funcs: BpfProgFunc[] = [];
        try {
          funcs = programFuncs(sys, fd, info, mem);
        } catch {
          funcs = []; // its BTF went away, or is one our parser does not read
        }
        out.push({ id, name, hasBtf, funcs });
      } finally {
        sys.close(fd);
      }
    }
    return out;
  } finally {
    sys.free(mem);
  }
}

/** An fd of program `id` (the caller closes it); throws a SyscallError (ENOENT: no such program). */
export function openProgramById(sys: Sys, id: number): number {
  return checkBpf(progFdById(sys, id), BPF_PROG_GET_FD_BY_ID, `BPF program ${id}`);
}

export interface LoadedProgram {
  id: number;
  /** BPF_PROG_TYPE_*. */
  type: number;
  /** The (16-byte, truncated) name it was loaded with. */
  name: string;
}

/** Ids of every loaded program, in id order. */
export function loadedProgramIds(sys: Sys): number[] {
  const ids: number[] = [];
  const a = new Attr(GET_ID);
  for (let id = 0; ; ) {
    const r = sys.bpf(BPF_PROG_GET_NEXT_ID, a.reset().u32('id', id).bytes);
    if (r === -ENOENT) return ids; // past the last one
    checkBpf(r, BPF_PROG_GET_NEXT_ID, 'listing BPF programs');
    id = a.get32('next_id');
    ids.push(id);
  }
}

/** What program `id` is, or null when it is gone (unloaded since it was listed). */
export function loadedProgram(sys: Sys, id: number): LoadedProgram | null {
  const fd = progFdById(sys, id);
  if (fd === -ENOENT) return null;
  checkBpf(fd, BPF_PROG_GET_FD_BY_ID, `program ${id}`);
  const mem = sys.alloc(PROG_INFO.size);
  try {
    objInfo(sys, fd, mem.addr, PROG_INFO.size, `program ${id}`);
    return { id, type: new Attr(PROG_INFO, mem.bytes).get32('type'), name: progInfoName(mem.bytes) };
  } finally {
    sys.free(mem);
    sys.close(fd);
  }
}
