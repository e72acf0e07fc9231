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
27: if r0 == 0x0 goto L2
28: *(u32 *)(r10 -16) = 1
29: r1 = map[errors]
31: r2 = r10
32: r2 += -16
33: call bpf_map_lookup_elem#1
34: if r0 == 0x0 goto L3
35: r1 = *(u64 *)(r0 +0)
36: r1 += 1
37: *(u64 *)(r0 +0) = r1
L3:
L2:
L1:
Lexit:
38: r0 = 0
Lreturn:
39: exit
