// The words bpftrace 0.26 prints for a failed helper call (its TextOutput::runtime_error):
// a few failures get a sentence of their own, the others the C library's strerror text.

import { errnoMessage } from '../bpf/sys.ts';
import type { HelperErrorSite } from '../codegen/helper-errors.ts';

const E2BIG = 7;
const ENOENT = 2;

/** strerror(-retcode) as glibc words it ("Success" for 0, as bpftrace's JSON shows it). */
export function strerror(retcode: number): string {
  return retcode === 0 ? 'Success' : errnoMessage(-retcode);
}

/** The text-mode message: the reason, then bpftrace's "Additional Info" line. */
export function helperErrorText(site: HelperErrorSite, retcode: number): string {
  let msg: string;
  if (site.helper === 'map_update_elem' && retcode === -E2BIG) {
    msg =
      "Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`";
  } else if (site.helper === 'map_delete_elem' && retcode === -ENOENT) {
    msg = "Can't delete map element because it does not exist.";
  } else if (site.helper === 'map_lookup_elem') {
    // A lookup "fails" by finding nothing: its return code is 0.
    msg = "Can't lookup map element because it does not exist.";
  } else {
    msg = strerror(retcode);
  }
  return `${msg}\nAdditional Info - helper: ${site.helper}, retcode: ${retcode}`;
}
