// uid → user name from /etc/passwd (read once, on first use), for `username`.

import { readFileSync } from 'node:fs';

let byUid: Map<number, string> | null = null;

export function userName(uid: number): string {
  if (!byUid) {
    byUid = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length > 2 && f[0]) byUid.set(Number(f[2]), f[0]);
      }
    } catch {
      // No passwd file: fall back to the number, as libc would.
    }
  }
  return byUid.get(uid) ?? String(uid);
}
