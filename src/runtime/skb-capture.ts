// The user-space half of skboutput(): one PCAP file per distinct path, created before anything
// is attached (as bpftrace does), and one packet record per perf-buffer sample.
//
// A sample is the program's record (header with the call's id, boot-clock time) followed by
// the packet bytes bpf_skb_output appended; the kernel pads a sample to 8 bytes with its size
// word, and the padding stays at the end of the packet, as in bpftrace's files. Timestamps
// are the boot-clock time plus the wall-clock time of boot.

import type { SkbOutputResource } from '../codegen/resources.ts';
import { UserError } from '../lang/diagnostics.ts';
import { EventKind, HEADER_SIZE } from './events.ts';
import { PcapFile } from './pcap.ts';

const CLOCK_REALTIME = 0;
const CLOCK_BOOTTIME = 7;

/** Wall-clock time of boot in ns: CLOCK_REALTIME - CLOCK_BOOTTIME, read as close together as possible. */
export function bootEpochNs(clockNs: (clock: number) => bigint): bigint {
  let best: { delta: bigint; value: bigint } | null = null;
  // The closest of a few real/boot/real readings, as bpftrace takes it.
  for (let i = 0; i < 5; i++) {
    const before = clockNs(CLOCK_REALTIME);
    const boot = clockNs(CLOCK_BOOTTIME);
    const after = clockNs(CLOCK_REALTIME);
    const delta = after - before;
    if (!best || delta < best.delta) best = { delta, value: before + delta / 2n - boot };
  }
  return best?.value ?? 0n;
}

export class SkbCapture {
  private constructor(
    private readonly outputs: readonly SkbOutputResource[],
    private readonly files: Map<string, PcapFile>,
    private readonly bootNs: bigint,
  ) {}

  /** Creates (truncates) every capture file; a file that can't be created ends the run. */
  static open(outputs: readonly SkbOutputResource[], bootNs: bigint): SkbCapture {
    const files = new Map<string, PcapFile>();
    try {
      for (const o of outputs) {
        if (files.has(o.file)) continue;
        try {
          files.set(o.file, PcapFile.create(o.file));
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          throw new UserError(`Failed to create pcap file ${o.file}: ${err.code ?? err.message}`, [
            'skboutput() writes its file relative to the current directory',
          ]);
        }
      }
    } catch (e) {
      for (const f of files.values()) f.close();
      throw e;
    }
    return new SkbCapture(outputs, files, bootNs);
  }

  /** One perf-buffer sample; anything that is not a skboutput record is ignored. */
  sample(data: Uint8Array): void {
    if (data.length < HEADER_SIZE + 8) return;
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (v.getUint32(0, true) !== EventKind.SkbOutput) return;
    const out = this.outputs[v.getUint32(4, true)];
    if (!out) return;
    const ns = v.getBigUint64(HEADER_SIZE, true);
    const packet = data.subarray(HEADER_SIZE + 8);
    if (out.offset >= packet.length) return; // nothing left to write, as bpftrace
    this.files.get(out.file)?.write(this.bootNs + ns, packet.subarray(out.offset));
  }

  close(): void {
    for (const f of this.files.values()) f.close();
  }
}
