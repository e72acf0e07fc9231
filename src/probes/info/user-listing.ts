// `-l` / `-lv` for user-space probes: uprobe/uretprobe functions of a binary or library, and
// USDT probes of a binary, a library or (with -p) every object of a process, printed as
// bpftrace does (sorted, one `type:path:name` per line; -lv adds a uprobe's DWARF parameters).

import { dwarfParamDecls } from '../../elf/dwarf.ts';
import { ElfObject, isFunction } from '../../elf/symbols.ts';
import { UserError } from '../../lang/diagnostics.ts';
import { userTargetFiles } from '../uprobe.ts';
import { probesOf, usdtFiles, usdtParts } from '../usdt.ts';
import { targetPid } from '../user-env.ts';
import { globToMatcher } from './glob.ts';

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lines for `type:rest` where type is uprobe, uretprobe or usdt; throws UserError on bad input. */
export function listUserProbes(type: 'uprobe' | 'uretprobe' | 'usdt', parts: string[], verbose: boolean): string[] {
  if (type === 'usdt') {
    const { target, provider, name } = usdtParts(parts);
    const mp = globToMatcher(provider);
    const mn = globToMatcher(name);
    const out = new Set<string>();
    for (const path of usdtFiles(target)) {
      for (const p of probesOf(path)) if (mp(p.provider) && mn(p.name)) out.add(`usdt:${path}:${p.provider}:${p.name}`);
    }
    return [...out].sort(byteOrder);
  }
  let bin: string;
  let func: string;
  const pid = targetPid();
  // With a process, `uprobe:FUNC` (and `uprobe:*`) lists every object it has mapped (bpftrace).
  if (parts.length === 1 && pid !== null) [bin, func] = ['*', parts[0] as string];
  else if (parts.length === 2) [bin, func] = parts as [string, string];
  else throw new UserError(`${type} probe type requires 2 arguments`);
  const match = globToMatcher(func);
  const out: string[] = [];
  for (const path of userTargetFiles(type, bin, pid)) {
    let obj: ElfObject;
    try {
      obj = ElfObject.get(path);
    } catch {
      continue; // a file that went away or is not ELF has no functions to list
    }
    const names = new Set<string>();
    for (const s of obj.symbols()) if (isFunction(s) && match(s.name)) names.add(s.name);
    for (const n of [...names].sort(byteOrder)) {
      out.push(`${type}:${path}:${n}`);
      if (verbose && type === 'uprobe') {
        for (const d of dwarfParamDecls(path, n)) out.push(`    ${d}`);
      }
    }
  }
  return out;
}
