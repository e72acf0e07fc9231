// PCAP capture files, as skboutput() writes them: the classic libpcap format bpftrace produces
// through pcap_dump (microsecond timestamps, host byte order, snapshot length 65535), with the
// RAW link type, since what is captured starts at the IP header (or wherever the offset says).

import { closeSync, openSync, writeSync } from 'node:fs';

const MAGIC_USEC = 0xa1b2c3d4;
/** LINKTYPE_RAW: libpcap writes this for DLT_RAW (the packets are bare IPv4/IPv6). */
export const LINKTYPE_RAW = 101;
const SNAPLEN = 65535;
export const FILE_HEADER_SIZE = 24;
export const RECORD_HEADER_SIZE = 16;

/** The 24-byte file header. */
export function pcapFileHeader(linktype = LINKTYPE_RAW): Uint8Array {
  const b = new Uint8Array(FILE_HEADER_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, MAGIC_USEC, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true); // thiszone: timestamps are UTC
  v.setUint32(12, 0, true); // sigfigs
  v.setUint32(16, SNAPLEN, true);
  v.setUint32(20, linktype, true);
  return b;
}

/** One packet record: {seconds, microseconds, captured length, original length} then the bytes. */
export function pcapRecord(epochNs: bigint, packet: Uint8Array): Uint8Array {
  const b = new Uint8Array(RECORD_HEADER_SIZE + packet.length);
  const v = new DataView(b.buffer);
  const secs = epochNs / 1_000_000_000n;
  const usecs = (epochNs - secs * 1_000_000_000n) / 1000n;
  v.setUint32(0, Number(BigInt.asUintN(32, secs)), true);
  v.setUint32(4, Number(usecs), true);
  v.setUint32(8, packet.length, true);
  v.setUint32(12, packet.length, true);
  b.set(packet, RECORD_HEADER_SIZE);
  return b;
}

/** A capture file open for writing (created or truncated, header written). */
export class PcapFile {
  private fd: number | null;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Throws the fs error (ENOENT, EACCES...) when the file can't be created. */
  static create(path: string): PcapFile {
    const fd = openSync(path, 'w', 0o644);
    try {
      writeSync(fd, pcapFileHeader());
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    return new PcapFile(fd);
  }

  write(epochNs: bigint, packet: Uint8Array): void {
    if (this.fd === null) return;
    writeSync(this.fd, pcapRecord(epochNs, packet));
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
