; BEGIN { exit(); printf("never\n"); }
 0: r6 = r1
 1: r0 = 0x2 ll
 3: *(u64 *)(r10 -32) = r0
 4: *(u64 *)(r10 -24) = 0
 5: r1 = map[ringbuf]
 7: r2 = r10
 8: r2 += -32
 9: r3 = 16
10: r4 = 0
11: call bpf_ringbuf_output#130
12: if r0 == 0x0 goto Lexit
13: *(u32 *)(r10 -16) = 0
14: r1 = map[errors]
16: r2 = r10
17: r2 += -16
18: call bpf_map_lookup_elem#1
19: if r0 == 0x0 goto Lexit
20: r1 = *(u64 *)(r0 +0)
21: r1 += 1
22: *(u64 *)(r0 +0) = r1
L1:
L0:
L3:
L2:
Lexit:
23: r0 = 0
Lreturn:
24: exit
