; tracepoint:sched:sched_process_exec { printf("%s\n", args.filename); } tracepoint:sched:sched_switch { printf("%s\n", args.prev_comm); }
 0: r6 = r1
 1: *(u32 *)(r10 -16) = 0
 2: r1 = map[heap]
 4: r2 = r10
 5: r2 += -16
 6: call bpf_map_lookup_elem#1
 7: if r0 == 0x0 goto Lexit
 8: *(u64 *)(r10 -8) = r0
 9: r0 = 0x1 ll
11: r1 = *(u64 *)(r10 -8)
12: *(u64 *)(r1 +0) = r0
13: r3 = *(u32 *)(r6 +8)
14: r3 &= 65535
15: r3 += r6
16: r7 = r3
17: r1 = *(u64 *)(r10 -8)
18: r1 += 8
19: r2 = 1024
20: r3 = r7
21: call bpf_probe_read_kernel_str#115
22: r1 = map[ringbuf]
24: r2 = *(u64 *)(r10 -8)
25: r3 = 1032
26: r4 = 0
27: call bpf_ringbuf_output#130
28: if r0 == 0x0 goto L0
29: *(u32 *)(r10 -16) = 0
30: r1 = map[errors]
32: r2 = r10
33: r2 += -16
34: call bpf_map_lookup_elem#1
35: if r0 == 0x0 goto L1
36: r1 = *(u64 *)(r0 +0)
37: r1 += 1
38: *(u64 *)(r0 +0) = r1
L1:
L0:
Lexit:
39: r0 = 0
Lreturn:
40: exit
 0: r6 = r1
 1: r0 = 0x100000001 ll
 3: *(u64 *)(r10 -40) = r0
 4: r3 = r6
 5: r3 += 8
 6: r7 = r3
 7: r1 = r10
 8: r1 += -32
 9: r2 = 16
10: r3 = r7
11: call bpf_probe_read_kernel_str#115
12: r1 = map[ringbuf]
14: r2 = r10
15: r2 += -40
16: r3 = 24
17: r4 = 0
18: call bpf_ringbuf_output#130
19: if r0 == 0x0 goto L0
20: *(u32 *)(r10 -16) = 0
21: r1 = map[errors]
23: r2 = r10
24: r2 += -16
25: call bpf_map_lookup_elem#1
26: if r0 == 0x0 goto L1
27: r1 = *(u64 *)(r0 +0)
28: r1 += 1
29: *(u64 *)(r0 +0) = r1
L1:
L0:
Lexit:
30: r0 = 0
Lreturn:
31: exit
