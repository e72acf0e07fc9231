; fentry:dentry_open { printf("%s\n", path(args.path, 32)); }
  0: r6 = r1
  1: r0 = 0x1 ll
  3: *(u64 *)(r10 -56) = r0
  4: *(u64 *)(r10 -48) = 0
  5: *(u64 *)(r10 -40) = 0
  6: *(u64 *)(r10 -32) = 0
  7: *(u64 *)(r10 -24) = 0
  8: r7 = *(u64 *)(r6 +0)
  9: r1 = r7
 10: r2 = r10
 11: r2 += -48
 12: r3 = 32
 13: call bpf_d_path#147
 14: if r0 s>= 0x0 goto L1
 15: *(u64 *)(r10 -64) = r0
 16: r1 = 0xd ll
 18: *(u64 *)(r10 -72) = r1
 19: r1 = map[ringbuf]
 21: r2 = r10
 22: r2 += -72
 23: r3 = 16
 24: r4 = 0
 25: call bpf_ringbuf_output#130
 26: if r0 == 0x0 goto L2
 27: *(u32 *)(r10 -16) = 0
 28: r1 = map[errors]
 30: r2 = r10
 31: r2 += -16
 32: call bpf_map_lookup_elem#1
 33: if r0 == 0x0 goto L3
 34: r1 = *(u64 *)(r0 +0)
 35: r1 += 1
 36: *(u64 *)(r0 +0) = r1
L3:
L2:
 37: r0 = *(u64 *)(r10 -64)
L1:
L0:
 38: r1 = map[ringbuf]
 40: r2 = r10
 41: r2 += -56
 42: r3 = 40
 43: r4 = 0
 44: call bpf_ringbuf_output#130
 45: if r0 == 0x0 goto L4
 46: *(u32 *)(r10 -16) = 0
 47: r1 = map[errors]
 49: r2 = r10
 50: r2 += -16
 51: call bpf_map_lookup_elem#1
 52: if r0 == 0x0 goto L5
 53: r1 = *(u64 *)(r0 +0)
 54: r1 += 1
 55: *(u64 *)(r0 +0) = r1
L5:
L4:
Lexit:
 56: r0 = 0
Lreturn:
 57: exit
