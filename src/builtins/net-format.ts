// Text forms of network addresses, shared by pton() (parsing at compile time) and the runtime
// (printing inet and mac values). No dependencies: the runtime imports this directly.

export const AF_INET = 2;
export const AF_INET6 = 10;

/** inet_pton(AF_INET): four decimal octets, no leading zeros. */
export function parseIPv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

/** inet_pton(AF_INET6): hex groups, one `::`, an optional dotted IPv4 tail. */
export function parseIPv6(s: string): Uint8Array | null {
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(Number.parseInt(p, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const words = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

export function formatIPv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/**
 * inet_ntop(AF_INET6) as glibc writes it: the longest run of two or more zero groups (the first
 * on a tie) becomes `::`, and IPv4-mapped / IPv4-compatible addresses end in dotted form.
 */
export function formatIPv6(b: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(((b[i * 2] as number) << 8) | (b[i * 2 + 1] as number));
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      cur = cur.base < 0 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
      if (cur.len > best.len) best = { ...cur };
    } else cur = { base: -1, len: 0 };
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && w[5] === 0xffff))) {
      return s + formatIPv4(b.subarray(12, 16));
    }
    s += (w[i] as number).toString(16);
  }
  if (best.base >= 0 && best.base + best.len === 8) s += ':';
  return s;
}

/** An inet value as laid out by ntop(): u64 family, then 16 address bytes. */
export function formatInet(family: number, addr: Uint8Array): string {
  if (family === AF_INET) return formatIPv4(addr);
  if (family === AF_INET6) return formatIPv6(addr);
  return '';
}

/** A MAC address the way bpftrace prints it: upper-case hex pairs joined by `:`. */
export function formatMac(b: Uint8Array): string {
  return Array.from(b.subarray(0, 6), (x) => x.toString(16).toUpperCase().padStart(2, '0')).join(':');
}
