; BEGIN /comm == "bash"/ { @x = 1; }
 0: r6 = r1
 1: r1 = r10
 2: r1 += -32
 3: r2 = 16
 4: call bpf_get_current_comm#16
 5: r1 = r10
 6: r1 += -32
 7: r3 = *(u8 *)(r1 +0)
 8: if r3 != 0x62 goto Lexit
 9: r3 = *(u8 *)(r1 +1)
10: if r3 != 0x61 goto Lexit
11: r3 = *(u8 *)(r1 +2)
12: if r3 != 0x73 goto Lexit
13: r3 = *(u8 *)(r1 +3)
14: if r3 != 0x68 goto Lexit
15: r3 = *(u8 *)(r1 +4)
16: if r3 != 0x0 goto Lexit
L0:
L2:
17: r7 = 1
18: *(u64 *)(r10 -40) = 0
19: *(u64 *)(r10 -48) = r7
20: r1 = map[AT_x]
22: r2 = r10
23: r2 += -40
24: r3 = r10
25: r3 += -48
26: r4 = 0
27: call bpf_map_update_elem#2
28: if r0 == 0x0 goto L3
29: *(u32 *)(r10 -16) = 1
30: r1 = map[errors]
32: r2 = r10
33: r2 += -16
34: call bpf_map_lookup_elem#1
35: if r0 == 0x0 goto L4
36: r1 = *(u64 *)(r0 +0)
37: r1 += 1
38: *(u64 *)(r0 +0) = r1
L4:
L3:
Lexit:
39: r0 = 0
Lreturn:
40: exit
