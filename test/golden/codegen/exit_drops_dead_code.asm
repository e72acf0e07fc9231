; BEGIN { exit(); printf("never\n"); }
 0: r6 = r1
 1: r0 = 0x2 ll
 3: *(u64 *)(r10 -32) = r0
 4: r7 = 0
 5: *(u64 *)(r10 -24) = r7
 6: r1 = map[ringbuf]
 8: r2 = r10
 9: r2 += -32
10: r3 = 16
11: r4 = 0
12: call bpf_ringbuf_output#130
13: if r0 == 0x0 goto Lexit
14: *(u32 *)(r10 -16) = 0
15: r1 = map[errors]
17: r2 = r10
18: r2 += -16
19: call bpf_map_lookup_elem#1
20: if r0 == 0x0 goto Lexit
21: r1 = *(u64 *)(r0 +0)
22: r1 += 1
23: *(u64 *)(r0 +0) = r1
L1:
L0:
L3:
L2:
Lexit:
24: r0 = 0
Lreturn:
25: exit
