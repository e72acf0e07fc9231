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
 28: if r0 s>= 0x0 goto L3
 29: *(u64 *)(r10 -56) = r0
 30: r1 = 0xd ll
 32: *(u64 *)(r10 -64) = r1
 33: r1 = map[ringbuf]
 35: r2 = r10
 36: r2 += -64
 37: r3 = 16
 38: r4 = 0
 39: call bpf_ringbuf_output#130
 40: if r0 == 0x0 goto L4
 41: *(u32 *)(r10 -16) = 0
 42: r1 = map[errors]
 44: r2 = r10
 45: r2 += -16
 46: call bpf_map_lookup_elem#1
 47: if r0 == 0x0 goto L5
 48: r1 = *(u64 *)(r0 +0)
 49: r1 += 1
 50: *(u64 *)(r0 +0) = r1
L5:
L4:
 51: r0 = *(u64 *)(r10 -56)
L3:
Lexit:
 52: r0 = 0
Lreturn:
 53: exit
