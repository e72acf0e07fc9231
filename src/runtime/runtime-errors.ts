// The words bpftrace 0.26 prints for an error found while a probe ran (its
// TextOutput::runtime_error): for a failed helper, a few failures get a sentence of their own,
// the others the C library's strerror text.

import type { HelperName } from '../bpf/helpers.ts';
import { errnoMessage } from '../bpf/sys.ts';
import type { RuntimeErrorSite } from '../codegen/runtime-errors.ts';

const E2BIG = 7;
const ENOENT = 2;

/** strerror(-retcode) as glibc words it ("Success" for 0, as bpftrace's JSON shows it). */
export function strerror(retcode: number): string {
  return retcode === 0 ? 'Success' : errnoMessage(-retcode);
}

export const DIVIDE_BY_ZERO_MESSAGE = 'Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.';

export const ARRAY_OOB_MESSAGE = 'Array access out of bounds. This can lead to unexpected results.';

export const CPU_COUNT_MISMATCH_MESSAGE = 'CPU count mismatch; unable to find per-cpu data.';

/** The text-mode message: for a helper, the reason, then bpftrace's "Additional Info" line. */
export function runtimeErrorText(site: RuntimeErrorSite, retcode: number): string {
  switch (site.kind) {
    case 'divide-by-zero':
      return DIVIDE_BY_ZERO_MESSAGE;
    case 'array-oob':
      return ARRAY_OOB_MESSAGE;
    case 'cpu-count-mismatch':
      return CPU_COUNT_MISMATCH_MESSAGE;
    case 'helper':
      return helperErrorText(site.helper, retcode);
  }
}

function helperErrorText(helper: HelperName, retcode: number): string {
  let msg: string;
  if (helper === 'map_update_elem' && retcode === -E2BIG) {
    msg =
      "Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`";
  } else if (helper === 'map_delete_elem' && retcode === -ENOENT) {
    msg = "Can't delete map element because it does not exist.";
  } else if (helper === 'map_lookup_elem') {
    // A lookup "fails" by finding nothing: its return code is 0.
    msg = "Can't lookup map element because it does not exist.";
  } else {
    msg = strerror(retcode);
  }
  return `${msg}\nAdditional Info - helper: ${helper}, retcode: ${retcode}`;
}
