; BEGIN { $a = -7; printf("%d %d\n", $a / 2, $a % 2); }
 0: r6 = r1
 1: r7 = 7
 2: r7 = -r7
 3: *(u64 *)(r10 -24) = r7
 4: r0 = 0x1 ll
 6: *(u64 *)(r10 -48) = r0
 7: r7 = *(u64 *)(r10 -24)
 8: r8 = 2
 9: r3 = r7
10: r4 = r8
11: if r7 s>= 0x0 goto L0
12: r7 = -r7
L0:
13: if r8 s>= 0x0 goto L1
14: r8 = -r8
L1:
15: r7 /= r8
16: r3 ^= r4
17: if r3 s>= 0x0 goto L2
18: r7 = -r7
L2:
19: *(u64 *)(r10 -40) = r7
20: r7 = *(u64 *)(r10 -24)
21: r8 = 2
22: r3 = r7
23: r4 = r8
24: if r7 s>= 0x0 goto L3
25: r7 = -r7
L3:
26: if r8 s>= 0x0 goto L4
27: r8 = -r8
L4:
28: r7 %= r8
29: if r3 s>= 0x0 goto L5
30: r7 = -r7
L5:
31: *(u64 *)(r10 -32) = r7
32: r1 = map[ringbuf]
34: r2 = r10
35: r2 += -48
36: r3 = 24
37: r4 = 0
38: call bpf_ringbuf_output#130
39: if r0 == 0x0 goto L6
40: *(u32 *)(r10 -16) = 0
41: r1 = map[errors]
43: r2 = r10
44: r2 += -16
45: call bpf_map_lookup_elem#1
46: if r0 == 0x0 goto L7
47: r1 = *(u64 *)(r0 +0)
48: r1 += 1
49: *(u64 *)(r0 +0) = r1
L7:
L6:
Lexit:
50: r0 = 0
Lreturn:
51: exit
