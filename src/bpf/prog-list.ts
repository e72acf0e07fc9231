// The BPF programs loaded in the kernel, by id, as `bpftool prog show` finds them: for tests and
// diagnostics that check what a run really loaded (one raw tracepoint, not hundreds of
// tracepoint programs).

import { Attr, GET_ID, PROG_INFO } from './attr.ts';
import { BPF_PROG_GET_FD_BY_ID, BPF_PROG_GET_NEXT_ID } from './constants.ts';
import { progInfo } from './program.ts';
import { checkBpf, cString, ENOENT, type Sys } from './sys.ts';

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
  const fd = sys.bpf(BPF_PROG_GET_FD_BY_ID, new Attr(GET_ID).u32('id', id).bytes);
  if (fd === -ENOENT) return null;
  checkBpf(fd, BPF_PROG_GET_FD_BY_ID, `program ${id}`);
  try {
    const info = progInfo(sys, fd, `program ${id}`);
    const at = PROG_INFO.offsets.name;
    return { id, type: info.get32('type'), name: cString(info.bytes.subarray(at, at + 16)) };
  } finally {
    sys.close(fd);
  }
}
