// systemd readiness, as bpftrace built with libsystemd sends it: under a Type=notify unit,
// NOTIFY_SOCKET names a unix datagram socket (a path, or `@name` in the abstract namespace)
// and "READY=1" there tells systemd the probes are attached; "STOPPING=1" when the run ends.

import { AF_UNIX, EINVAL, errnoMessage, type Sys } from '../bpf/sys.ts';

export const READY = 'READY=1\nSTATUS=Processing events...';
export const STOPPING = 'STOPPING=1\nSTATUS=Shutting down...';

/** sizeof(sun_path) in struct sockaddr_un. */
const SUN_PATH_MAX = 108;

/** struct sockaddr_un for NOTIFY_SOCKET's value, or a negative errno when it can't be one (as sd_notify). */
export function notifyAddress(socket: string): Uint8Array | number {
  const abstract = socket.startsWith('@');
  if (!abstract && !socket.startsWith('/')) return -EINVAL;
  const path = Buffer.from(socket, 'latin1');
  // A path is NUL-terminated; an abstract name is its bytes after a leading NUL, no terminator.
  const length = abstract ? path.length : path.length + 1;
  if (length > SUN_PATH_MAX || path.length < 2) return -EINVAL;
  const addr = new Uint8Array(2 + length);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(path, 2);
  if (abstract) addr[2] = 0;
  return addr;
}

/**
 * Sends `state` to $NOTIFY_SOCKET; null when sent or when there is no socket to tell, else why
 * it failed (strerror), for a warning — the run goes on either way, as bpftrace's.
 */
export function sdNotify(sys: Sys, env: NodeJS.ProcessEnv, state: string): string | null {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return null;
  const addr = notifyAddress(socket);
  const r = typeof addr === 'number' ? addr : sys.sendUnixDatagram(addr, Buffer.from(state, 'latin1'));
  return r < 0 ? errnoMessage(-r) : null;
}
