// Warnings a provider has while expanding an attach point (0.26's "f is not traceable ...")
// go to whoever expands it, said at the attach point; callers that only list or scan attach
// points pass none and the warnings are dropped.

let sink: ((message: string) => void) | null = null;

/** Says `message` about the attach point being expanded. */
export function expansionWarning(message: string): void {
  sink?.(message);
}

/** Runs an expansion with its warnings going to `onWarning`. */
export function withExpansionWarnings<T>(onWarning: (message: string) => void, expand: () => T): T {
  const saved = sink;
  sink = onWarning;
  try {
    return expand();
  } finally {
    sink = saved;
  }
}
