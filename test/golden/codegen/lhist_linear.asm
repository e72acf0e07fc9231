; BEGIN { @h = lhist(cpu, 0, 100, 10); }
  0: r6 = r1
  1: call bpf_get_smp_processor_id#8
  2: r7 = r0
  3: *(u64 *)(r10 -24) = 0
  4: r1 = r7
  5: if r1 s< 0x0 goto L0
  6: if r1 s>= 0x64 goto L1
  7: r2 = r1
  8: r2 -= 0
  9: r2 /= 10
 10: r2 += 1
 11: goto L2
L0:
 12: r2 = 0
 13: goto L2
L1:
 14: r2 = 11
L2:
 15: *(u64 *)(r10 -24) = r2
 16: r1 = map[AT_h]
 18: r2 = r10
 19: r2 += -24
 20: call bpf_map_lookup_elem#1
 21: if r0 == 0x0 goto L3
 22: r1 = *(u64 *)(r0 +0)
 23: r1 += 1
 24: *(u64 *)(r0 +0) = r1
 25: goto L4
L3:
 26: r1 = 1
 27: *(u64 *)(r10 -32) = r1
 28: r1 = map[AT_h]
 30: r2 = r10
 31: r2 += -24
 32: r3 = r10
 33: r3 += -32
 34: r4 = 0
 35: call bpf_map_update_elem#2
 36: if r0 s>= 0x0 goto L5
 37: *(u64 *)(r10 -40) = r0
 38: r1 = 0xd ll
 40: *(u64 *)(r10 -48) = r1
 41: r1 = map[ringbuf]
 43: r2 = r10
 44: r2 += -48
 45: r3 = 16
 46: r4 = 0
 47: call bpf_ringbuf_output#130
 48: if r0 == 0x0 goto L6
 49: *(u32 *)(r10 -16) = 0
 50: r1 = map[errors]
 52: r2 = r10
 53: r2 += -16
 54: call bpf_map_lookup_elem#1
 55: if r0 == 0x0 goto L7
 56: r1 = *(u64 *)(r0 +0)
 57: r1 += 1
 58: *(u64 *)(r0 +0) = r1
L7:
L6:
 59: r0 = *(u64 *)(r10 -40)
L5:
L4:
Lexit:
 60: r0 = 0
Lreturn:
 61: exit
