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
 13: r3 = 1
 14: r3 <<= 16
 15: if r1 < r3 goto L4
 16: r1 >>= 16
 17: r2 += 16
L4:
 18: r3 = 1
 19: r3 <<= 8
 20: if r1 < r3 goto L5
 21: r1 >>= 8
 22: r2 += 8
L5:
 23: r3 = 1
 24: r3 <<= 4
 25: if r1 < r3 goto L6
 26: r1 >>= 4
 27: r2 += 4
L6:
 28: r3 = 1
 29: r3 <<= 2
 30: if r1 < r3 goto L7
 31: r1 >>= 2
 32: r2 += 2
L7:
 33: r3 = 1
 34: r3 <<= 1
 35: if r1 < r3 goto L2
 36: r1 >>= 1
 37: r2 += 1
L8:
 38: goto L2
L0:
 39: r2 = 0
 40: goto L2
L1:
 41: r2 = 1
L2:
 42: *(u64 *)(r10 -24) = r2
 43: r1 = map[AT_h]
 45: r2 = r10
 46: r2 += -24
 47: call bpf_map_lookup_elem#1
 48: if r0 == 0x0 goto L9
 49: r1 = *(u64 *)(r0 +0)
 50: r1 += 1
 51: *(u64 *)(r0 +0) = r1
 52: goto L10
L9:
 53: r1 = 1
 54: *(u64 *)(r10 -32) = r1
 55: r1 = map[AT_h]
 57: r2 = r10
 58: r2 += -24
 59: r3 = r10
 60: r3 += -32
 61: r4 = 0
 62: call bpf_map_update_elem#2
 63: if r0 == 0x0 goto L11
 64: *(u32 *)(r10 -16) = 1
 65: r1 = map[errors]
 67: r2 = r10
 68: r2 += -16
 69: call bpf_map_lookup_elem#1
 70: if r0 == 0x0 goto L12
 71: r1 = *(u64 *)(r0 +0)
 72: r1 += 1
 73: *(u64 *)(r0 +0) = r1
L12:
L11:
L10:
Lexit:
 74: r0 = 0
 75: exit
