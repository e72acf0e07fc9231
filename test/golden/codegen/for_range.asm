; BEGIN { for ($i : 0..4) { @a[$i] = $i * 2; } }
 0: r6 = r1
 1: r7 = 4
 2: *(u64 *)(r10 -32) = r7
 3: r7 = 0
 4: *(u64 *)(r10 -24) = r7
L0:
 5: r1 = *(u64 *)(r10 -24)
 6: r2 = *(u64 *)(r10 -32)
 7: if r1 s>= r2 goto L2
 8: r7 = *(u64 *)(r10 -24)
 9: r8 = 2
10: r7 *= r8
11: *(u64 *)(r10 -40) = 0
12: r8 = *(u64 *)(r10 -24)
13: *(u64 *)(r10 -40) = r8
14: *(u64 *)(r10 -48) = r7
15: r1 = map[AT_a]
17: r2 = r10
18: r2 += -40
19: r3 = r10
20: r3 += -48
21: r4 = 0
22: call bpf_map_update_elem#2
23: if r0 s>= 0x0 goto L3
24: *(u64 *)(r10 -56) = r0
25: r1 = 0xd ll
27: *(u64 *)(r10 -64) = r1
28: r1 = map[ringbuf]
30: r2 = r10
31: r2 += -64
32: r3 = 16
33: r4 = 0
34: call bpf_ringbuf_output#130
35: if r0 == 0x0 goto L4
36: *(u32 *)(r10 -16) = 0
37: r1 = map[errors]
39: r2 = r10
40: r2 += -16
41: call bpf_map_lookup_elem#1
42: if r0 == 0x0 goto L5
43: r1 = *(u64 *)(r0 +0)
44: r1 += 1
45: *(u64 *)(r0 +0) = r1
L5:
L4:
46: r0 = *(u64 *)(r10 -56)
L3:
L1:
47: r1 = *(u64 *)(r10 -24)
48: r1 += 1
49: *(u64 *)(r10 -24) = r1
50: goto L0
L2:
Lexit:
51: r0 = 0
Lreturn:
52: exit
