; BEGIN { printf("hello %d\n", pid); }
 0: r6 = r1
 1: r0 = 0x1 ll
 3: *(u64 *)(r10 -32) = r0
 4: call bpf_get_current_pid_tgid#14
 5: r7 = r0
 6: r7 >>= 32
 7: *(u64 *)(r10 -24) = r7
 8: r1 = map[ringbuf]
10: r2 = r10
11: r2 += -32
12: r3 = 16
13: r4 = 0
14: call bpf_ringbuf_output#130
15: if r0 == 0x0 goto L0
16: *(u32 *)(r10 -16) = 0
17: r1 = map[errors]
19: r2 = r10
20: r2 += -16
21: call bpf_map_lookup_elem#1
22: if r0 == 0x0 goto L1
23: r1 = *(u64 *)(r0 +0)
24: r1 += 1
25: *(u64 *)(r0 +0) = r1
L1:
L0:
Lexit:
26: r0 = 0
Lreturn:
27: exit
