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
 28: if r0 s>= 0x0 goto L4
 29: *(u64 *)(r10 -48) = r0
 30: r1 = 0xd ll
 32: *(u64 *)(r10 -56) = r1
 33: r1 = map[ringbuf]
 35: r2 = r10
 36: r2 += -56
 37: r3 = 16
 38: r4 = 0
 39: call bpf_ringbuf_output#130
 40: if r0 == 0x0 goto L5
 41: *(u32 *)(r10 -16) = 0
 42: r1 = map[errors]
 44: r2 = r10
 45: r2 += -16
 46: call bpf_map_lookup_elem#1
 47: if r0 == 0x0 goto L6
 48: r1 = *(u64 *)(r0 +0)
 49: r1 += 1
 50: *(u64 *)(r0 +0) = r1
L6:
L5:
 51: r0 = *(u64 *)(r10 -48)
L4:
L1:
 52: call bpf_get_smp_processor_id#8
 53: r7 = r0
 54: *(u64 *)(r10 -24) = 0
 55: r1 = map[AT_ma]
 57: r2 = r10
 58: r2 += -24
 59: call bpf_map_lookup_elem#1
 60: if r0 == 0x0 goto L7
 61: r1 = *(u64 *)(r0 +8)
 62: if r1 == 0x0 goto L9
 63: r1 = *(u64 *)(r0 +0)
 64: if r7 <= r1 goto L8
L9:
 65: *(u64 *)(r0 +0) = r7
 66: *(u64 *)(r0 +8) = 1
L10:
 67: goto L8
L7:
 68: *(u64 *)(r10 -40) = r7
 69: r1 = 1
 70: *(u64 *)(r10 -32) = r1
 71: r1 = map[AT_ma]
 73: r2 = r10
 74: r2 += -24
 75: r3 = r10
 76: r3 += -40
 77: r4 = 0
 78: call bpf_map_update_elem#2
 79: if r0 s>= 0x0 goto L11
 80: *(u64 *)(r10 -48) = r0
 81: r1 = 0x10000000d ll
 83: *(u64 *)(r10 -56) = r1
 84: r1 = map[ringbuf]
 86: r2 = r10
 87: r2 += -56
 88: r3 = 16
 89: r4 = 0
 90: call bpf_ringbuf_output#130
 91: if r0 == 0x0 goto L12
 92: *(u32 *)(r10 -16) = 0
 93: r1 = map[errors]
 95: r2 = r10
 96: r2 += -16
 97: call bpf_map_lookup_elem#1
 98: if r0 == 0x0 goto L13
 99: r1 = *(u64 *)(r0 +0)
100: r1 += 1
101: *(u64 *)(r0 +0) = r1
L13:
L12:
102: r0 = *(u64 *)(r10 -48)
L11:
L8:
103: call bpf_get_smp_processor_id#8
104: r7 = r0
105: *(u64 *)(r10 -24) = 0
106: r1 = map[AT_av]
108: r2 = r10
109: r2 += -24
110: call bpf_map_lookup_elem#1
111: if r0 == 0x0 goto L14
112: r1 = *(u64 *)(r0 +0)
113: r1 += r7
114: *(u64 *)(r0 +0) = r1
115: r1 = *(u64 *)(r0 +8)
116: r1 += 1
117: *(u64 *)(r0 +8) = r1
118: goto L15
L14:
119: *(u64 *)(r10 -40) = r7
120: r1 = 1
121: *(u64 *)(r10 -32) = r1
122: r1 = map[AT_av]
124: r2 = r10
125: r2 += -24
126: r3 = r10
127: r3 += -40
128: r4 = 0
129: call bpf_map_update_elem#2
130: if r0 s>= 0x0 goto L16
131: *(u64 *)(r10 -48) = r0
132: r1 = 0x20000000d ll
134: *(u64 *)(r10 -56) = r1
135: r1 = map[ringbuf]
137: r2 = r10
138: r2 += -56
139: r3 = 16
140: r4 = 0
141: call bpf_ringbuf_output#130
142: if r0 == 0x0 goto L17
143: *(u32 *)(r10 -16) = 0
144: r1 = map[errors]
146: r2 = r10
147: r2 += -16
148: call bpf_map_lookup_elem#1
149: if r0 == 0x0 goto L18
150: r1 = *(u64 *)(r0 +0)
151: r1 += 1
152: *(u64 *)(r0 +0) = r1
L18:
L17:
153: r0 = *(u64 *)(r10 -48)
L16:
L15:
154: call bpf_get_smp_processor_id#8
155: r7 = r0
156: *(u64 *)(r10 -24) = 0
157: r1 = map[AT_st]
159: r2 = r10
160: r2 += -24
161: call bpf_map_lookup_elem#1
162: if r0 == 0x0 goto L19
163: r1 = *(u64 *)(r0 +0)
164: r1 += r7
165: *(u64 *)(r0 +0) = r1
166: r1 = *(u64 *)(r0 +8)
167: r1 += 1
168: *(u64 *)(r0 +8) = r1
169: goto L20
L19:
170: *(u64 *)(r10 -40) = r7
171: r1 = 1
172: *(u64 *)(r10 -32) = r1
173: r1 = map[AT_st]
175: r2 = r10
176: r2 += -24
177: r3 = r10
178: r3 += -40
179: r4 = 0
180: call bpf_map_update_elem#2
181: if r0 s>= 0x0 goto L21
182: *(u64 *)(r10 -48) = r0
183: r1 = 0x30000000d ll
185: *(u64 *)(r10 -56) = r1
186: r1 = map[ringbuf]
188: r2 = r10
189: r2 += -56
190: r3 = 16
191: r4 = 0
192: call bpf_ringbuf_output#130
193: if r0 == 0x0 goto L22
194: *(u32 *)(r10 -16) = 0
195: r1 = map[errors]
197: r2 = r10
198: r2 += -16
199: call bpf_map_lookup_elem#1
200: if r0 == 0x0 goto L23
201: r1 = *(u64 *)(r0 +0)
202: r1 += 1
203: *(u64 *)(r0 +0) = r1
L23:
L22:
204: r0 = *(u64 *)(r10 -48)
L21:
L20:
Lexit:
205: r0 = 0
Lreturn:
206: exit
