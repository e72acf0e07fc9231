; BEGIN { @mi = min(cpu); @ma = max(cpu); @av = avg(cpu); @st = stats(cpu); }
  0: r6 = r1
  1: call bpf_get_smp_processor_id#8
  2: r7 = r0
  3: *(u64 *)(r10 -24) = 0
  4: r1 = map[AT_mi]
  6: r2 = r10
  7: r2 += -24
  8: call bpf_map_lookup_elem#1
  9: if r0 == 0x0 goto L0
 10: r1 = *(u64 *)(r0 +8)
 11: if r1 == 0x0 goto L2
 12: r1 = *(u64 *)(r0 +0)
 13: if r7 >= r1 goto L1
L2:
 14: *(u64 *)(r0 +0) = r7
 15: *(u64 *)(r0 +8) = 1
L3:
 16: goto L1
L0:
 17: *(u64 *)(r10 -40) = r7
 18: r1 = 1
 19: *(u64 *)(r10 -32) = r1
 20: r1 = map[AT_mi]
 22: r2 = r10
 23: r2 += -24
 24: r3 = r10
 25: r3 += -40
 26: r4 = 0
 27: call bpf_map_update_elem#2
 28: if r0 == 0x0 goto L4
 29: *(u32 *)(r10 -16) = 1
 30: r1 = map[errors]
 32: r2 = r10
 33: r2 += -16
 34: call bpf_map_lookup_elem#1
 35: if r0 == 0x0 goto L5
 36: r1 = *(u64 *)(r0 +0)
 37: r1 += 1
 38: *(u64 *)(r0 +0) = r1
L5:
L4:
L1:
 39: call bpf_get_smp_processor_id#8
 40: r7 = r0
 41: *(u64 *)(r10 -24) = 0
 42: r1 = map[AT_ma]
 44: r2 = r10
 45: r2 += -24
 46: call bpf_map_lookup_elem#1
 47: if r0 == 0x0 goto L6
 48: r1 = *(u64 *)(r0 +8)
 49: if r1 == 0x0 goto L8
 50: r1 = *(u64 *)(r0 +0)
 51: if r7 <= r1 goto L7
L8:
 52: *(u64 *)(r0 +0) = r7
 53: *(u64 *)(r0 +8) = 1
L9:
 54: goto L7
L6:
 55: *(u64 *)(r10 -40) = r7
 56: r1 = 1
 57: *(u64 *)(r10 -32) = r1
 58: r1 = map[AT_ma]
 60: r2 = r10
 61: r2 += -24
 62: r3 = r10
 63: r3 += -40
 64: r4 = 0
 65: call bpf_map_update_elem#2
 66: if r0 == 0x0 goto L10
 67: *(u32 *)(r10 -16) = 2
 68: r1 = map[errors]
 70: r2 = r10
 71: r2 += -16
 72: call bpf_map_lookup_elem#1
 73: if r0 == 0x0 goto L11
 74: r1 = *(u64 *)(r0 +0)
 75: r1 += 1
 76: *(u64 *)(r0 +0) = r1
L11:
L10:
L7:
 77: call bpf_get_smp_processor_id#8
 78: r7 = r0
 79: *(u64 *)(r10 -24) = 0
 80: r1 = map[AT_av]
 82: r2 = r10
 83: r2 += -24
 84: call bpf_map_lookup_elem#1
 85: if r0 == 0x0 goto L12
 86: r1 = *(u64 *)(r0 +0)
 87: r1 += r7
 88: *(u64 *)(r0 +0) = r1
 89: r1 = *(u64 *)(r0 +8)
 90: r1 += 1
 91: *(u64 *)(r0 +8) = r1
 92: goto L13
L12:
 93: *(u64 *)(r10 -40) = r7
 94: r1 = 1
 95: *(u64 *)(r10 -32) = r1
 96: r1 = map[AT_av]
 98: r2 = r10
 99: r2 += -24
100: r3 = r10
101: r3 += -40
102: r4 = 0
103: call bpf_map_update_elem#2
104: if r0 == 0x0 goto L14
105: *(u32 *)(r10 -16) = 3
106: r1 = map[errors]
108: r2 = r10
109: r2 += -16
110: call bpf_map_lookup_elem#1
111: if r0 == 0x0 goto L15
112: r1 = *(u64 *)(r0 +0)
113: r1 += 1
114: *(u64 *)(r0 +0) = r1
L15:
L14:
L13:
115: call bpf_get_smp_processor_id#8
116: r7 = r0
117: *(u64 *)(r10 -24) = 0
118: r1 = map[AT_st]
120: r2 = r10
121: r2 += -24
122: call bpf_map_lookup_elem#1
123: if r0 == 0x0 goto L16
124: r1 = *(u64 *)(r0 +0)
125: r1 += r7
126: *(u64 *)(r0 +0) = r1
127: r1 = *(u64 *)(r0 +8)
128: r1 += 1
129: *(u64 *)(r0 +8) = r1
130: goto L17
L16:
131: *(u64 *)(r10 -40) = r7
132: r1 = 1
133: *(u64 *)(r10 -32) = r1
134: r1 = map[AT_st]
136: r2 = r10
137: r2 += -24
138: r3 = r10
139: r3 += -40
140: r4 = 0
141: call bpf_map_update_elem#2
142: if r0 == 0x0 goto L18
143: *(u32 *)(r10 -16) = 4
144: r1 = map[errors]
146: r2 = r10
147: r2 += -16
148: call bpf_map_lookup_elem#1
149: if r0 == 0x0 goto L19
150: r1 = *(u64 *)(r0 +0)
151: r1 += 1
152: *(u64 *)(r0 +0) = r1
L19:
L18:
L17:
Lexit:
153: r0 = 0
Lreturn:
154: exit
