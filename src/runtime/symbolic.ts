// Values that are numbers in the kernel and text in user space (user names, timestamps,
// kernel symbols), resolved when they are decoded.

import type { SymbolicKind } from '../sema/types.ts';
import { cgroupPathText } from './cgroup-paths.ts';
import { ksym } from './ksyms.ts';
import { monotonicToEpochNs, strftime } from './strftime.ts';
import { userName } from './users.ts';
import { usymText } from './usyms.ts';
import type { Value } from './value.ts';

export function symbolicValue(what: SymbolicKind, view: DataView, off: number): Value | null {
  const raw = view.getBigUint64(off, true);
  switch (what) {
    case 'username':
      return { kind: 'text', value: userName(Number(raw & 0xffffffffn)) };
    case 'usym':
      return { kind: 'text', value: usymText(raw) };
    case 'cgroup_path':
      return { kind: 'text', value: cgroupPathText(raw, Number(view.getBigUint64(off + 8, true))) };
    case 'ksym': {
      const hit = ksym(raw);
      return { kind: 'text', value: hit ? hit.name : `0x${raw.toString(16)}` };
    }
    default:
      return null;
  }
}

export function strftimeValue(format: string, view: DataView, off: number): Value {
  const mono = view.getBigUint64(off, true);
  return { kind: 'text', value: strftime(format, monotonicToEpochNs(mono)) };
}
