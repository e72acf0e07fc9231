// Threads under Bun: bun:ffi calls block the thread that makes them, so a call that must not
// hold up the JS thread (a blocking epoll_wait, a close that waits for a grace period) runs in a
// Worker that opens libc itself. The Worker's source is a string, loaded through a Blob URL.

export interface BunWorker {
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: (() => void) | null;
  postMessage(data: unknown, transfer?: ArrayBuffer[]): void;
  terminate(): void;
}
type BunWorkerClass = new (url: string) => BunWorker;

const urls = new Map<string, string>();

/** Starts a Worker running `source` (its module text); null when Bun cannot start one. */
export function startBunWorker(source: string): BunWorker | null {
  let url = urls.get(source);
  if (url === undefined) {
    url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    urls.set(source, url);
  }
  const Worker = (globalThis as unknown as { Worker?: BunWorkerClass }).Worker;
  if (!Worker) return null;
  try {
    return new Worker(url);
  } catch {
    return null;
  }
}
