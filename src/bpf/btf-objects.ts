// Kernel BTF objects by name ('vmlinux', or a module's): fentry/fexit on a module function is
// verified against that module's BTF, which BPF_PROG_LOAD takes as an fd (attach_btf_obj_fd).
// The kernel lists its BTF objects by id; each one's name comes from BPF_OBJ_GET_INFO_BY_FD.
// Walking the list opens every object up to the one wanted, so the ids seen are remembered:
// each further fentry program on a module opens its object directly.

import { Attr, BTF_INFO, GET_ID, OBJ_GET_INFO_BY_FD } from './attr.ts';
import { BPF_BTF_GET_FD_BY_ID, BPF_BTF_GET_NEXT_ID, BPF_OBJ_GET_INFO_BY_FD } from './constants.ts';
import { checkBpf, cString, E2BIG, ENOENT, type Sys } from './sys.ts';

/** MODULE_NAME_LEN: 'vmlinux' and every module name fit. */
const NAME_MAX = 64;

/**
 * Kernel BTF object ids by name, per Sys (a fake kernel in tests has its own), from earlier walks.
 * An id is checked again on use: a module unloaded and loaded again gets a new one.
 */
const knownIds = new WeakMap<Sys, Map<string, number>>();

/**
 * An fd of the kernel BTF object `name` (the caller closes it), or null when there is none.
 * Throws a SyscallError when the kernel will not list, open or describe its BTF objects (EPERM).
 */
export function openKernelBtfObject(sys: Sys, name: string): number | null {
  // One attr per command: BPF_BTF_GET_FD_BY_ID must not see GET_NEXT_ID's next_id (see GET_ID).
  const next = new Attr(GET_ID);
  const byId = new Attr(GET_ID);
  const query = new Attr(OBJ_GET_INFO_BY_FD);
  const mem = sys.alloc(BTF_INFO.size + NAME_MAX);
  const info = new Attr(BTF_INFO, mem.bytes);
  const nameAddr = mem.addr + BigInt(BTF_INFO.size);

  /** The kernel object's name (null for BTF a program loaded), or -errno. */
  const nameOf = (fd: number): string | null | number => {
    mem.bytes.fill(0);
    info.u64('name', nameAddr).u32('name_len', NAME_MAX);
    query.reset().u32('bpf_fd', fd).u32('info_len', BTF_INFO.size).u64('info', mem.addr);
    const r = sys.bpf(BPF_OBJ_GET_INFO_BY_FD, query.bytes);
    if (r < 0) return r;
    return info.get32('kernel_btf') ? cString(mem.bytes.subarray(BTF_INFO.size)) : null;
  };

  let known = knownIds.get(sys);
  if (!known) {
    known = new Map();
    knownIds.set(sys, known);
  }
  try {
    const cached = known.get(name);
    if (cached !== undefined) {
      const fd = sys.bpf(BPF_BTF_GET_FD_BY_ID, byId.reset().u32('id', cached).bytes);
      if (fd >= 0) {
        if (nameOf(fd) === name) return fd;
        sys.close(fd);
      }
      known.delete(name);
    }
    for (let id = 0; ; ) {
      const more = sys.bpf(BPF_BTF_GET_NEXT_ID, next.reset().u32('id', id).bytes);
      if (more === -ENOENT) return null; // past the last one
      checkBpf(more, BPF_BTF_GET_NEXT_ID, 'listing kernel BTF objects');
      id = next.get32('next_id');
      const fd = sys.bpf(BPF_BTF_GET_FD_BY_ID, byId.reset().u32('id', id).bytes);
      if (fd === -ENOENT) continue; // gone meanwhile (module unloaded)
      checkBpf(fd, BPF_BTF_GET_FD_BY_ID, `BTF object ${id}`);
      const found = nameOf(fd);
      if (typeof found === 'string') known.set(found, id);
      if (found === name) return fd;
      sys.close(fd);
      // Before 5.11 bpf_btf_info has no name (nor are there module BTF objects to find).
      if (found === -E2BIG) return null;
      if (typeof found === 'number') checkBpf(found, BPF_OBJ_GET_INFO_BY_FD, `BTF object ${id}`);
    }
  } finally {
    sys.free(mem);
  }
}
