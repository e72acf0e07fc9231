; BEGIN { @[comm] = count(); }
 0: r6 = r1
 1: *(u64 *)(r10 -32) = 0
 2: *(u64 *)(r10 -24) = 0
 3: r1 = r10
 4: r1 += -32
 5: r2 = 16
 6: call bpf_get_current_comm#16
 7: r1 = map[AT_]
 9: r2 = r10
10: r2 += -32
11: call bpf_map_lookup_elem#1
12: if r0 == 0x0 goto L0
13: r1 = *(u64 *)(r0 +0)
14: r1 += 1
15: *(u64 *)(r0 +0) = r1
16: goto L1
L0:
17: r1 = 1
18: *(u64 *)(r10 -40) = r1
19: r1 = map[AT_]
21: r2 = r10
22: r2 += -32
23: r3 = r10
24: r3 += -40
25: r4 = 0
26: call bpf_map_update_elem#2
27: if r0 s>= 0x0 goto L2
28: *(u64 *)(r10 -48) = r0
29: r1 = 0xd ll
31: *(u64 *)(r10 -56) = r1
32: r1 = map[ringbuf]
34: r2 = r10
35: r2 += -56
36: r3 = 16
37: r4 = 0
38: call bpf_ringbuf_output#130
39: if r0 == 0x0 goto L3
40: *(u32 *)(r10 -16) = 0
41: r1 = map[errors]
43: r2 = r10
44: r2 += -16
45: call bpf_map_lookup_elem#1
46: if r0 == 0x0 goto L4
47: r1 = *(u64 *)(r0 +0)
48: r1 += 1
49: *(u64 *)(r0 +0) = r1
L4:
L3:
50: r0 = *(u64 *)(r10 -48)
L2:
L1:
Lexit:
51: r0 = 0
Lreturn:
52: exit
