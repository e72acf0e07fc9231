; BEGIN { @h = lhist(cpu, 0, 100, 10); }
 0: r6 = r1
 1: call bpf_get_smp_processor_id#8
 2: r7 = r0
 3: *(u64 *)(r10 -24) = 0
 4: r1 = r7
 5: if r1 s< 0x0 goto L0
 6: if r1 s>= 0x64 goto L1
 7: r2 = r1
 8: r2 -= 0
 9: r2 /= 10
10: r2 += 1
11: goto L2
L0:
12: r2 = 0
13: goto L2
L1:
14: r2 = 11
L2:
15: *(u64 *)(r10 -24) = r2
16: r1 = map[AT_h]
18: r2 = r10
19: r2 += -24
20: call bpf_map_lookup_elem#1
21: if r0 == 0x0 goto L3
22: r1 = *(u64 *)(r0 +0)
23: r1 += 1
24: *(u64 *)(r0 +0) = r1
25: goto L4
L3:
26: r1 = 1
27: *(u64 *)(r10 -32) = r1
28: r1 = map[AT_h]
30: r2 = r10
31: r2 += -24
32: r3 = r10
33: r3 += -32
34: r4 = 0
35: call bpf_map_update_elem#2
36: if r0 == 0x0 goto L5
37: *(u32 *)(r10 -16) = 1
38: r1 = map[errors]
40: r2 = r10
41: r2 += -16
42: call bpf_map_lookup_elem#1
43: if r0 == 0x0 goto L6
44: r1 = *(u64 *)(r0 +0)
45: r1 += 1
46: *(u64 *)(r0 +0) = r1
L6:
L5:
L4:
Lexit:
47: r0 = 0
Lreturn:
48: exit
