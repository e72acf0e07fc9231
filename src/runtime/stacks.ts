// Turns stack ids from the kernel's stack-trace maps into symbolized frames. The tracer
// registers the live maps here; decoding a `stack` value asks this module.

import type { BpfMap } from '../bpf/map.ts';
import type { StackMode } from '../sema/types.ts';
import { ksym } from './ksyms.ts';
import { type BuildIdFrame, buildIdFrames, notePid, userFrameLines } from './usyms.ts';
import type { Value } from './value.ts';

const maps: { kernel: BpfMap | null; user: BpfMap | null; userBuildId: BpfMap | null } = { kernel: null, user: null, userBuildId: null };

/** `userBuildId`: the build-id twin of the user stack map (same ids), for exited processes. */
export function registerStackMaps(kernel: BpfMap | null, user: BpfMap | null, userBuildId: BpfMap | null = null): void {
  maps.kernel = kernel;
  maps.user = user;
  maps.userBuildId = userBuildId;
}

let showDebugInfo = true;

/** show_debug_info: user frames with source lines and inlined calls from DWARF (0.26's default). */
export function setShowDebugInfo(on: boolean): void {
  showDebugInfo = on;
}

/** Kernel stack-trace map value: up to this many u64 instruction pointers. */
export const MAX_STACK_DEPTH = 127;

function kernelFrameText(ip: bigint, mode: 'bpftrace' | 'perf'): string {
  const hex = ip.toString(16);
  const hit = ksym(ip);
  const sym = hit ? `${hit.name}+${hit.offset}` : `0x${hex}`;
  return mode === 'perf' ? `${hex} ${sym}` : sym;
}

/** How bpftrace 0.26 starts each frame's line: 8 blanks, a tab in perf mode, nothing unsymbolized. */
function frameIndent(mode: StackMode): string {
  switch (mode) {
    case 'bpftrace':
      return '        ';
    case 'perf':
      return '\t';
    case 'raw':
    case 'build_id':
      return '';
  }
}

/** build_id mode: `<build id, 40 hex digits> 0x<file offset>`, or the bare address without one. */
function buildIdFrameText(ip: bigint, bid: BuildIdFrame | null | undefined): string {
  if (!bid) return ip.toString(16);
  return `${bid.fullHex} 0x${bid.fileOffset.toString(16).padStart(2, '0')}`;
}

/** `packed` is the value the program stored: the stack id (low 32 bits), the pid above. */
export function stackValue(packed: bigint, user: boolean, mode: StackMode, limit: number): Value {
  const indent = frameIndent(mode);
  const id = Number(packed & 0xffffffffn);
  const map = user ? maps.user : maps.kernel;
  if (!map || id < 0 || id >= 0x80000000) return { kind: 'stack', frames: [], indent };
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, id, true);
  const raw = map.lookup(key);
  if (!raw) return { kind: 'stack', frames: [], indent };
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const frames: string[] = [];
  // User stacks: symbols of the process (its pid is above the id), see usyms.ts.
  const pid = Number(packed >> 32n);
  const bids = user && maps.userBuildId ? buildIdFrames(maps.userBuildId.lookup(key) ?? new Uint8Array(0)) : [];
  if (user) notePid(pid);
  // The limit counts addresses: one may print as several frames (inlined calls).
  for (let i = 0; i + 8 <= raw.byteLength && i / 8 < limit; i += 8) {
    const ip = dv.getBigUint64(i, true);
    if (ip === 0n) break;
    const bid = bids[i / 8];
    if (mode === 'build_id') frames.push(buildIdFrameText(ip, bid));
    else if (mode === 'raw') frames.push(ip.toString(16));
    else if (user) frames.push(...userFrameLines(ip, pid, mode, bid ?? null, showDebugInfo));
    else frames.push(kernelFrameText(ip, mode));
  }
  return { kind: 'stack', frames, indent };
}
