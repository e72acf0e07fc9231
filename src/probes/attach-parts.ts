// Splitting an attach point's text (`usdt:bin:"a:b":name`) into its ':'-separated parts, as
// bpftrace's attach point parser does: a ':' inside double quotes belongs to the part, the
// quotes are dropped, and inside them a backslash keeps the next character (`"\"probe1\""`
// names the USDT probe `"probe1"`).

export function splitAttachParts(raw: string): string[] {
  const parts: string[] = [];
  let arg = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === ':' && !quoted) {
      parts.push(arg);
      arg = '';
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted && c === '\\' && i + 1 < raw.length) {
      arg += raw[++i];
    } else {
      arg += c;
    }
  }
  parts.push(arg);
  return parts;
}
