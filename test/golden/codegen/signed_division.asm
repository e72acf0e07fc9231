; BEGIN { $a = -7; printf("%d %d\n", $a / 2, $a % 2); }
 0: r6 = r1
 1: r7 = -7
 2: *(u64 *)(r10 -24) = r7
 3: r0 = 0x1 ll
 5: *(u64 *)(r10 -48) = r0
 6: r7 = *(u64 *)(r10 -24)
 7: r8 = 2
 8: r7 /= r8
 9: *(u64 *)(r10 -40) = r7
10: r7 = *(u64 *)(r10 -24)
11: r8 = 2
12: r7 %= r8
13: *(u64 *)(r10 -32) = r7
14: r1 = map[ringbuf]
16: r2 = r10
17: r2 += -48
18: r3 = 24
19: r4 = 0
20: call bpf_ringbuf_output#130
21: if r0 == 0x0 goto L0
22: *(u32 *)(r10 -16) = 0
23: r1 = map[errors]
25: r2 = r10
26: r2 += -16
27: call bpf_map_lookup_elem#1
28: if r0 == 0x0 goto L1
29: r1 = *(u64 *)(r0 +0)
30: r1 += 1
31: *(u64 *)(r0 +0) = r1
L1:
L0:
Lexit:
32: r0 = 0
Lreturn:
33: exit
