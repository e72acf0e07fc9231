// Positional parameters ($1...) that are numbers: bpftrace reads them as C integer literals
// (strtoull with base 0), so `0775` is octal and `0x1f` hex.

/** The integer a positional parameter's text stands for, or null when it is not a number. */
export function positionalInt(text: string): bigint | null {
  const m = /^(-?)(0x[0-9a-f]+|\d+)$/i.exec(text);
  if (!m) return null;
  const body = m[2] as string;
  const n = /^0[0-7]+$/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  return m[1] ? -n : n;
}
