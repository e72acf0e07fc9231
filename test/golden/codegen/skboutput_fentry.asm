; fexit:ip_output { $r = skboutput("out.pcap", args.skb, 64, 14); @r = $r; }
  0: r6 = r1
  1: r0 = 0x10 ll
  3: *(u64 *)(r10 -40) = r0
  4: call bpf_ktime_get_boot_ns#125
  5: r7 = r0
  6: *(u64 *)(r10 -32) = r7
  7: r7 = *(u64 *)(r6 +16)
  8: r8 = 64
  9: r8 <<= 32
 10: r1 = 0xffffffff ll
 12: r8 |= r1
 13: r1 = r7
 14: r2 = map[skb_perf]
 16: r3 = r8
 17: r4 = r10
 18: r4 += -40
 19: r5 = 16
 20: call bpf_skb_output#111
 21: r9 = r0
 22: r9 <<= 32
 23: r9 >>= 32
 24: *(u64 *)(r10 -24) = r9
 25: r7 = *(u64 *)(r10 -24)
 26: *(u64 *)(r10 -32) = 0
 27: *(u64 *)(r10 -40) = r7
 28: r1 = map[AT_r]
 30: r2 = r10
 31: r2 += -32
 32: r3 = r10
 33: r3 += -40
 34: r4 = 0
 35: call bpf_map_update_elem#2
 36: if r0 s>= 0x0 goto L0
 37: *(u64 *)(r10 -48) = r0
 38: r1 = 0xd ll
 40: *(u64 *)(r10 -56) = r1
 41: r1 = map[ringbuf]
 43: r2 = r10
 44: r2 += -56
 45: r3 = 16
 46: r4 = 0
 47: call bpf_ringbuf_output#130
 48: if r0 == 0x0 goto L1
 49: *(u32 *)(r10 -16) = 0
 50: r1 = map[errors]
 52: r2 = r10
 53: r2 += -16
 54: call bpf_map_lookup_elem#1
 55: if r0 == 0x0 goto L2
 56: r1 = *(u64 *)(r0 +0)
 57: r1 += 1
 58: *(u64 *)(r0 +0) = r1
L2:
L1:
 59: r0 = *(u64 *)(r10 -48)
L0:
Lexit:
 60: r0 = 0
Lreturn:
 61: exit
