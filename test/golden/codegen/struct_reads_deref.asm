; struct Foo { int a; char s[8]; struct Foo *next; } BEGIN { $p = (struct Foo *)0; printf("%d %s %d %d\n", $p->a, $p->s, $p->next->a, *(int32*)0); }
  0: r6 = r1
  1: r7 = 0
  2: *(u64 *)(r10 -24) = r7
  3: r0 = 0x1 ll
  5: *(u64 *)(r10 -64) = r0
  6: r7 = *(u64 *)(r10 -24)
  7: *(u64 *)(r10 -72) = 0
  8: r1 = r10
  9: r1 += -72
 10: r2 = 4
 11: r3 = r7
 12: call bpf_probe_read_kernel#113
 13: r7 = *(u32 *)(r10 -72)
 14: r7 <<= 32
 15: r7 s>>= 32
 16: *(u64 *)(r10 -56) = r7
 17: *(u64 *)(r10 -48) = 0
 18: r7 = *(u64 *)(r10 -24)
 19: r7 += 4
 20: r1 = r10
 21: r1 += -48
 22: r2 = 8
 23: r3 = r7
 24: call bpf_probe_read_kernel#113
 25: r7 = *(u64 *)(r10 -24)
 26: r7 += 16
 27: *(u64 *)(r10 -80) = 0
 28: r1 = r10
 29: r1 += -80
 30: r2 = 8
 31: r3 = r7
 32: call bpf_probe_read_kernel#113
 33: r7 = *(u64 *)(r10 -80)
 34: *(u64 *)(r10 -88) = 0
 35: r1 = r10
 36: r1 += -88
 37: r2 = 4
 38: r3 = r7
 39: call bpf_probe_read_kernel#113
 40: r7 = *(u32 *)(r10 -88)
 41: r7 <<= 32
 42: r7 s>>= 32
 43: *(u64 *)(r10 -40) = r7
 44: r7 = 0
 45: r1 = r10
 46: r1 += -96
 47: r2 = 4
 48: r3 = r7
 49: call bpf_probe_read_kernel#113
 50: r0 = *(u32 *)(r10 -96)
 51: r0 <<= 32
 52: r0 s>>= 32
 53: r7 = r0
 54: *(u64 *)(r10 -32) = r7
 55: r1 = map[ringbuf]
 57: r2 = r10
 58: r2 += -64
 59: r3 = 40
 60: r4 = 0
 61: call bpf_ringbuf_output#130
 62: if r0 == 0x0 goto L0
 63: *(u32 *)(r10 -16) = 0
 64: r1 = map[errors]
 66: r2 = r10
 67: r2 += -16
 68: call bpf_map_lookup_elem#1
 69: if r0 == 0x0 goto L1
 70: r1 = *(u64 *)(r0 +0)
 71: r1 += 1
 72: *(u64 *)(r0 +0) = r1
L1:
L0:
Lexit:
 73: r0 = 0
Lreturn:
 74: exit
