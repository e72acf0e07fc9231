; BEGIN { @h = hist(nsecs); }
  0: r6 = r1
  1: call bpf_ktime_get_ns#5
  2: r7 = r0
  3: *(u64 *)(r10 -24) = 0
  4: r1 = r7
  5: if r1 s< 0x0 goto L0
  6: if r1 == 0x0 goto L1
  7: r2 = 2
  8: r3 = 1
  9: r3 <<= 32
 10: if r1 < r3 goto L3
 11: r1 >>= 32
 12: r2 += 32
L3:
 13: if r1 < 0x10000 goto L4
 14: r1 >>= 16
 15: r2 += 16
L4:
 16: if r1 < 0x100 goto L5
 17: r1 >>= 8
 18: r2 += 8
L5:
 19: if r1 < 0x10 goto L6
 20: r1 >>= 4
 21: r2 += 4
L6:
 22: if r1 < 0x4 goto L7
 23: r1 >>= 2
 24: r2 += 2
L7:
 25: if r1 < 0x2 goto L2
 26: r1 >>= 1
 27: r2 += 1
L8:
 28: goto L2
L0:
 29: r2 = 0
 30: goto L2
L1:
 31: r2 = 1
L2:
 32: *(u64 *)(r10 -24) = r2
 33: r1 = map[AT_h]
 35: r2 = r10
 36: r2 += -24
 37: call bpf_map_lookup_elem#1
 38: if r0 == 0x0 goto L9
 39: r1 = *(u64 *)(r0 +0)
 40: r1 += 1
 41: *(u64 *)(r0 +0) = r1
 42: goto L10
L9:
 43: r1 = 1
 44: *(u64 *)(r10 -32) = r1
 45: r1 = map[AT_h]
 47: r2 = r10
 48: r2 += -24
 49: r3 = r10
 50: r3 += -32
 51: r4 = 0
 52: call bpf_map_update_elem#2
 53: if r0 s>= 0x0 goto L11
 54: *(u64 *)(r10 -40) = r0
 55: r1 = 0xd ll
 57: *(u64 *)(r10 -48) = r1
 58: r1 = map[ringbuf]
 60: r2 = r10
 61: r2 += -48
 62: r3 = 16
 63: r4 = 0
 64: call bpf_ringbuf_output#130
 65: if r0 == 0x0 goto L12
 66: *(u32 *)(r10 -16) = 0
 67: r1 = map[errors]
 69: r2 = r10
 70: r2 += -16
 71: call bpf_map_lookup_elem#1
 72: if r0 == 0x0 goto L13
 73: r1 = *(u64 *)(r0 +0)
 74: r1 += 1
 75: *(u64 *)(r0 +0) = r1
L13:
L12:
 76: r0 = *(u64 *)(r10 -40)
L11:
L10:
Lexit:
 77: r0 = 0
Lreturn:
 78: exit
