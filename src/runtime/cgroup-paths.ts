// cgroup_path(): a cgroup id turned into the paths it has in the mounted hierarchies, when the
// value is printed (so a reused id may print a different path, as in bpftrace).
//
// Every cgroup and cgroup2 mount from /proc/mounts is a hierarchy, named by its mount point's
// last component for cgroup v1 (`cpu`, `memory`) and "unified" for cgroup2 wherever it is
// mounted. The call's filter (a `*` wildcard, default "*") picks hierarchies by that name. The
// id is a directory's inode number: each hierarchy is walked for it, and the text lists
// `name:path` for each hierarchy that has it, cgroup2 first, then v1 sorted by name.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Filters by index: values carry the index of their call's filter (compiled into this process). */
const filters: string[] = [];

/** The index a cgroup_path() value carries for `filter`. */
export function cgroupFilterIndex(filter: string): number {
  const i = filters.indexOf(filter);
  if (i >= 0) return i;
  filters.push(filter);
  return filters.length - 1;
}

/** bpftrace's wildcard: only `*` is special. */
export function wildcardMatch(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const mid of parts.slice(1, -1)) {
    const i = text.indexOf(mid, at);
    if (i < 0 || i + mid.length > end) return false;
    at = i + mid.length;
  }
  return true;
}

interface Hierarchy {
  name: string;
  root: string;
}

function hierarchies(): Hierarchy[] {
  let mounts = '';
  try {
    mounts = readFileSync('/proc/mounts', 'latin1');
  } catch {
    return [];
  }
  const v1: Hierarchy[] = [];
  const v2: Hierarchy[] = [];
  for (const line of mounts.split('\n')) {
    const [fs, dir] = line.split(' ');
    if ((fs !== 'cgroup' && fs !== 'cgroup2') || !dir || !isDirectory(dir)) continue;
    if (fs === 'cgroup2') v2.push({ name: 'unified', root: dir });
    else v1.push({ name: basename(dir), root: dir });
  }
  v1.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.root < b.root ? -1 : 1));
  return [...v2, ...v1];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function inode(path: string): bigint | null {
  try {
    return statSync(path, { bigint: true }).ino;
  } catch {
    return null;
  }
}

/** Found paths by hierarchy root and id, checked again (the inode) before reuse. */
const cache = new Map<string, string>();

/** The path of the cgroup directory with inode `id` below `root` ("/" for the root), or "". */
function pathIn(root: string, id: bigint): string {
  const key = `${id}:${root}`;
  const known = cache.get(key);
  if (known !== undefined && inode(known === '/' ? root : root + known) === id) return known;
  if (inode(root) === id) {
    cache.set(key, '/');
    return '/';
  }
  const stack = [root];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      continue;
    }
    for (const name of entries) {
      const sub = join(dir, name);
      if (inode(sub) === id) {
        const found = sub.slice(root.length);
        cache.set(key, found);
        return found;
      }
      stack.push(sub);
    }
  }
  return '';
}

/** The text cgroup_path(id, filter) prints: `unified:/a/b,cpu:/a` ("" when no hierarchy has it). */
export function cgroupPathText(id: bigint, filterIndex: number): string {
  const filter = filters[filterIndex] ?? '*';
  return hierarchies()
    .filter((h) => wildcardMatch(filter, h.name))
    .map((h) => ({ name: h.name, path: pathIn(h.root, id) }))
    .filter((p) => p.path !== '')
    .map((p) => `${p.name}:${p.path}`)
    .join(',');
}
