// epoll_wait off the JS thread under Bun: a Worker blocks in it and posts the ready events
// back, so an idle tracer makes no system calls and records are read the moment they arrive
// (the polling it replaces checked every 10 ms). The tracer's own eventfd, in every epoll set
// it waits on, wakes the Worker for shutdown.

import { type BunWorker, startBunWorker } from './bun-workers.ts';
import type { EpollEvent } from './sys.ts';
import { EPOLL_EVENT_SIZE, readEpollEvents } from './sys-scratch.ts';

const SOURCE = `
import { dlopen, ptr } from 'bun:ffi';
const { epoll_wait } = dlopen('libc.so.6', { epoll_wait: { args: ['i32', 'ptr', 'i32', 'i32'], returns: 'i32' } }).symbols;
self.onmessage = (e) => {
  const { epfd, max, timeout } = e.data;
  const buf = new Uint8Array(max * ${EPOLL_EVENT_SIZE});
  const n = epoll_wait(epfd, ptr(buf), max, timeout);
  postMessage({ n, buf }, [buf.buffer]);
};
`;

export class EpollWaiter {
  private constructor(private readonly worker: BunWorker) {}

  /** A waiter thread, or null when Bun cannot start one (the caller keeps polling). */
  static start(): EpollWaiter | null {
    const worker = startBunWorker(SOURCE);
    // Not unref'd: while the tracer awaits its wait, the Worker is what keeps the process
    // running; the tracer ends with process.exit(), which stops it wherever it is.
    return worker ? new EpollWaiter(worker) : null;
  }

  /**
   * Waits for `epfd` as epoll_wait(2) would (timeout in ms, -1 for none); resolves with the
   * ready events, or an empty list on a timeout or an error (EINTR), or null when the thread
   * died (the caller goes back to polling). One wait at a time.
   */
  wait(epfd: number, max: number, timeoutMs: number): Promise<EpollEvent[] | null> {
    return new Promise((resolve) => {
      this.worker.onmessage = (e) => {
        const { n, buf } = e.data as { n: number; buf: Uint8Array };
        resolve(n > 0 ? readEpollEvents(new DataView(buf.buffer, buf.byteOffset, buf.byteLength), n) : []);
      };
      this.worker.onerror = () => {
        this.worker.terminate();
        resolve(null);
      };
      this.worker.postMessage({ epfd, max, timeout: timeoutMs });
    });
  }
}
