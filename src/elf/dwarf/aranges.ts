// .debug_aranges: which unit holds which addresses, to find a function's unit without reading
// every unit.

import { Cursor } from './cursor.ts';

export interface AddressRange {
  start: number;
  end: number;
  /** Offset of the unit's header in .debug_info. */
  unitOff: number;
}

/** .debug_aranges: per unit, a header then (address, length) pairs up to a (0, 0) pair. */
export function readAranges(b: Buffer): AddressRange[] {
  const out: AddressRange[] = [];
  const c = new Cursor(b);
  while (c.pos + 16 <= b.length) {
    const setStart = c.pos;
    const { len, offsetSize } = c.initialLength();
    const end = c.pos + len;
    c.u16(); // version 2
    const unitOff = c.offset(offsetSize);
    const addrSize = c.u8();
    const segSize = c.u8();
    if (end > b.length || addrSize === 0) break;
    // The pairs start at a multiple of their size from the set's start.
    const tuple = 2 * addrSize + segSize;
    c.pos = setStart + Math.ceil((c.pos - setStart) / tuple) * tuple;
    while (c.pos + tuple <= end) {
      c.skip(segSize);
      const start = c.uN(addrSize);
      const length = c.uN(addrSize);
      if (start === 0 && length === 0) break;
      out.push({ start, end: start + length, unitOff });
    }
    c.pos = end;
  }
  return out;
}
