// Kernel BTF objects by name ('vmlinux', or a module's): fentry/fexit on a module function is
// verified against that module's BTF, which BPF_PROG_LOAD takes as an fd (attach_btf_obj_fd).
// The kernel lists its BTF objects by id; each one's name comes from BPF_OBJ_GET_INFO_BY_FD.

import { Attr, OBJ_GET_INFO_BY_FD } from './attr.ts';
import { BPF_BTF_GET_FD_BY_ID, BPF_BTF_GET_NEXT_ID, BPF_OBJ_GET_INFO_BY_FD } from './constants.ts';
import type { Sys } from './sys.ts';

/** struct bpf_btf_info: btf u64, btf_size u32, id u32, name u64, name_len u32, kernel_btf u32. */
const INFO_SIZE = 32;
const NAME_MAX = 64;

/** An fd of the kernel BTF object `name` (the caller closes it), or null when there is none. */
export function openKernelBtfObject(sys: Sys, name: string): number | null {
  const idAttr = new Uint8Array(12);
  const idView = new DataView(idAttr.buffer);
  const mem = sys.alloc(INFO_SIZE + NAME_MAX);
  try {
    for (let id = 0; ; ) {
      idView.setUint32(0, id, true);
      if (sys.bpf(BPF_BTF_GET_NEXT_ID, idAttr) < 0) return null; // ENOENT: the last one was passed
      id = idView.getUint32(4, true);
      idView.setUint32(0, id, true);
      const fd = sys.bpf(BPF_BTF_GET_FD_BY_ID, idAttr);
      if (fd < 0) continue; // gone meanwhile (module unloaded)
      mem.bytes.fill(0);
      const info = new DataView(mem.bytes.buffer, mem.bytes.byteOffset, INFO_SIZE);
      info.setBigUint64(16, mem.addr + BigInt(INFO_SIZE), true);
      info.setUint32(24, NAME_MAX, true);
      const a = new Attr(OBJ_GET_INFO_BY_FD).u32('bpf_fd', fd).u32('info_len', INFO_SIZE).u64('info', mem.addr);
      if (sys.bpf(BPF_OBJ_GET_INFO_BY_FD, a.bytes) >= 0 && info.getUint32(28, true) !== 0) {
        const raw = mem.bytes.subarray(INFO_SIZE, INFO_SIZE + NAME_MAX);
        const end = raw.indexOf(0);
        if (Buffer.from(raw.subarray(0, end < 0 ? raw.length : end)).toString('latin1') === name) return fd;
      }
      sys.close(fd);
    }
  } finally {
    sys.free(mem);
  }
}
