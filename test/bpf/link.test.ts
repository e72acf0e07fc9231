import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as C from '../../src/bpf/constants.ts';
import { defaultSys } from '../../src/bpf/default-sys.ts';
import { Helper } from '../../src/bpf/helpers.ts';
import {
  AluOp,
  alu64Imm,
  atomicAdd,
  call,
  exit,
  type Insn,
  JmpOp,
  jmpImm,
  jmpReg,
  ldMapFd,
  movImm,
  movReg,
  Reg,
  store,
} from '../../src/bpf/insn.ts';
import { attachPerfEvent, attachRawTracepoint, detachAll, fdLink, type Link, resetPerfLinkSupport } from '../../src/bpf/link.ts';
import { BpfMap, possibleCpus } from '../../src/bpf/map.ts';
import {
  openBreakpoint,
  openKprobe,
  openSoftware,
  openTracepoint,
  openUprobe,
  parsePmuFormatBit,
  perfEventAttr,
} from '../../src/bpf/perf-event.ts';
import { BpfProgram, mapResolver } from '../../src/bpf/program.ts';
import { FakeSys } from './fake-sys.ts';
import { noLeak, readU64, u32, waitFor } from './util.ts';

/** Adds 1 to counts[key], where key is computed into r1 by `keyInsns` (after an optional pid filter). */
function countProgram(keyInsns: Insn[], pid?: number): Insn[] {
  const filter: Insn[] =
    pid === undefined
      ? []
      : [call(Helper.get_current_pid_tgid), alu64Imm(AluOp.RSH, Reg.R0, 32), movImm(Reg.R1, pid), jmpReg(JmpOp.JNE, Reg.R0, Reg.R1, 'out')];
  return [
    ...filter,
    ...keyInsns,
    store(4, Reg.FP, -4, Reg.R1),
    ldMapFd(Reg.R1, 'counts'),
    movReg(Reg.R2, Reg.FP),
    alu64Imm(AluOp.ADD, Reg.R2, -4),
    call(Helper.map_lookup_elem),
    jmpImm(JmpOp.JEQ, Reg.R0, 0, 'out'),
    movImm(Reg.R1, 1),
    atomicAdd(8, Reg.R0, 0, Reg.R1),
    { ...movImm(Reg.R0, 0), labels: ['out'] },
    exit(),
  ];
}

const key0 = [movImm(Reg.R1, 0)];
const keyCpu = [call(Helper.get_smp_processor_id), movReg(Reg.R1, Reg.R0)];

function counter(entries = 1): BpfMap {
  return BpfMap.create({ name: 'counts', type: C.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: entries });
}
const count = (m: BpfMap, k = 0): bigint => readU64(m.lookup(u32(k)) as Uint8Array);

/** Makes a few syscalls of our own. */
function busy(): void {
  for (let i = 0; i < 20; i++) statSync('/');
}

describe('raw tracepoints (real kernel)', () => {
  it(
    'a program on sys_enter counts our syscalls until the link is closed',
    noLeak(async () => {
      const m = counter();
      const p = BpfProgram.load(
        { name: 'sys_enter', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns: countProgram(key0, process.pid), license: 'GPL' },
        mapResolver([m]),
      );
      try {
        const link = attachRawTracepoint(p, 'sys_enter');
        assert.equal(link.kind, 'raw_tracepoint');
        busy();
        assert.ok(
          await waitFor(() => {
            busy();
            return count(m) >= 20n;
          }),
          `counter stayed at ${count(m)}`,
        );
        link.close();
        link.close(); // idempotent
        const after = count(m);
        busy();
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(count(m), after, 'the program still runs after its link was closed');
      } finally {
        p.close();
        m.close();
      }
    }),
  );

  it('an unknown raw tracepoint is reported by name', () => {
    const p = BpfProgram.load(
      { name: 'x', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns: [movImm(Reg.R0, 0), exit()], license: 'GPL' },
      null,
    );
    try {
      assert.throws(
        () => attachRawTracepoint(p, 'no_such_tracepoint_xyz'),
        /BPF_RAW_TRACEPOINT_OPEN.*ENOENT.*raw tracepoint no_such_tracepoint_xyz/,
      );
    } finally {
      p.close();
    }
  });
});

describe('perf events (real kernel)', () => {
  it(
    'a cpu-clock software event on every CPU drives a perf_event program (bpf_link)',
    noLeak(async () => {
      const cpus = possibleCpus();
      const m = counter(cpus.length);
      const p = BpfProgram.load(
        { name: 'clock', type: C.BPF_PROG_TYPE_PERF_EVENT, insns: countProgram(keyCpu), license: 'GPL' },
        mapResolver([m]),
      );
      const links = [];
      try {
        for (const cpu of cpus)
          links.push(attachPerfEvent(p, openSoftware(C.PERF_COUNT_SW_CPU_CLOCK, { freq: 1000 }, cpu), { target: `cpu-clock on ${cpu}` }));
        assert.equal(links[0]?.kind, 'perf_link');
        assert.ok(await waitFor(() => count(m, 0) > 5n), 'cpu-clock never fired on cpu 0');
      } finally {
        for (const l of links) l.close();
        p.close();
        m.close();
      }
    }),
  );

  it(
    'one tracepoint event (pid -1, cpu 0) sees the tracepoint on every CPU',
    noLeak(async (t) => {
      const cpus = possibleCpus();
      const dir = mkdtempSync(join(tmpdir(), 'bpf-tracefs-'));
      try {
        execFileSync('mount', ['-t', 'tracefs', 'nodev', dir]);
      } catch (e) {
        rmdirSync(dir);
        t.skip(`cannot mount tracefs: ${(e as Error).message}`);
        return;
      }
      const m = counter(cpus.length);
      try {
        const id = Number(readFileSync(join(dir, 'events/raw_syscalls/sys_enter/id'), 'utf8'));
        const p = BpfProgram.load(
          { name: 'tp', type: C.BPF_PROG_TYPE_TRACEPOINT, insns: countProgram(keyCpu), license: 'GPL' },
          mapResolver([m]),
        );
        try {
          const link = attachPerfEvent(p, openTracepoint(id), { target: 'raw_syscalls:sys_enter' });
          try {
            const last = cpus[cpus.length - 1] as number;
            spawnSync('taskset', ['-c', String(last), '/bin/true']);
            assert.ok(await waitFor(() => count(m, last) > 0n), `no hits on cpu ${last}`);
            busy();
            assert.ok(count(m, 0) + count(m, last) > 0n);
          } finally {
            link.close();
          }
        } finally {
          p.close();
        }
      } finally {
        m.close();
        execFileSync('umount', [dir]);
        rmdirSync(dir);
      }
    }),
  );

  it(
    'a uprobe on /bin/true fires when it runs',
    noLeak(async () => {
      const path = '/bin/true';
      const off = entryFileOffset(path);
      const m = counter();
      const p = BpfProgram.load(
        { name: 'uprobe', type: C.BPF_PROG_TYPE_KPROBE, insns: countProgram(key0), license: 'GPL' },
        mapResolver([m]),
      );
      try {
        const link = attachPerfEvent(p, openUprobe(path, off), { target: `uprobe ${path}` });
        try {
          spawnSync(path);
          spawnSync(path);
          assert.ok(await waitFor(() => count(m) >= 2n), `uprobe count ${count(m)}`);
        } finally {
          link.close();
        }
        const before = count(m);
        spawnSync(path);
        assert.equal(count(m), before);
      } finally {
        p.close();
        m.close();
      }
    }),
  );

  it(
    'a write watchpoint (breakpoint PMU) fires on a store to watched memory',
    noLeak(async () => {
      const sys = defaultSys();
      const addr = sys.mmap(4096, C.PROT_READ | C.PROT_WRITE, C.MAP_PRIVATE | C.MAP_ANONYMOUS, -1, 0);
      const mem = new Uint8Array(sys.view(addr, 4096));
      const m = counter();
      const p = BpfProgram.load(
        { name: 'watch', type: C.BPF_PROG_TYPE_PERF_EVENT, insns: countProgram(key0), license: 'GPL' },
        mapResolver([m]),
      );
      try {
        const link = attachPerfEvent(p, openBreakpoint(addr + 64n, 8, C.HW_BREAKPOINT_W, 0, -1), { target: 'watchpoint' });
        try {
          mem[64] = 1;
          mem[64] = 2;
          mem[200] = 3; // not watched
          assert.ok(await waitFor(() => count(m) >= 2n, 500), `watchpoint count ${count(m)}`);
        } finally {
          link.close();
        }
      } finally {
        p.close();
        m.close();
        sys.munmap(addr, 4096);
      }
    }),
  );

  it('kprobes fail with a clear error on a kernel without the kprobe PMU', () => {
    if (existsSync('/sys/bus/event_source/devices/kprobe')) return;
    assert.throws(() => openKprobe('do_sys_openat2', 0, false), /kprobes are not available/);
  });
});

describe('perf events (encoding and fake kernel)', () => {
  it('encodes perf_event_attr', () => {
    const a = new DataView(perfEventAttr({ type: C.PERF_TYPE_SOFTWARE, config: C.PERF_COUNT_SW_CPU_CLOCK, sampleFreq: 99 }).buffer);
    assert.equal(a.getUint32(0, true), C.PERF_TYPE_SOFTWARE);
    assert.equal(a.getUint32(4, true), 128);
    assert.equal(a.getBigUint64(16, true), 99n);
    assert.equal(a.getBigUint64(40, true), 1n | (1n << 10n)); // disabled | freq
    const b = new DataView(
      perfEventAttr({ type: 8, config: 1n, config1: 0x1000n, config2: 0x40n, samplePeriod: 1, disabled: false }).buffer,
    );
    assert.equal(b.getBigUint64(40, true), 0n);
    assert.equal(b.getBigUint64(56, true), 0x1000n);
    assert.equal(b.getBigUint64(64, true), 0x40n);
  });

  it('parses PMU format files', () => {
    assert.equal(parsePmuFormatBit('config:0\n'), 0);
    assert.equal(parsePmuFormatBit('config:32-63'), 32);
    assert.throws(() => parsePmuFormatBit('config1:0-63x'), /unexpected PMU format/);
  });

  it('falls back to PERF_EVENT_IOC_SET_BPF when perf-event links are unknown, and closes in order', () => {
    const sys = new FakeSys();
    sys.onBpf = (cmd) => (cmd === C.BPF_LINK_CREATE ? -22 : undefined);
    resetPerfLinkSupport();
    try {
      const prog = BpfProgram.load(
        { name: 'p', type: C.BPF_PROG_TYPE_PERF_EVENT, insns: [movImm(Reg.R0, 0), exit()], license: 'GPL' },
        null,
        sys,
      );
      // Only what attaching does: loading closed its BTF object already.
      sys.calls.length = 0;
      sys.closed.length = 0;
      const link = attachPerfEvent(prog, 55);
      assert.equal(link.kind, 'perf_ioctl');
      link.close();
      const trace = sys.calls
        .filter((c) => c.name !== 'bpf' || c.args[0] === C.BPF_LINK_CREATE)
        .map((c) => (c.name === 'bpf' ? 'bpf(BPF_LINK_CREATE)' : `${c.name}(${c.args.slice(0, 2).join(',')})`));
      assert.deepEqual(trace, [
        'bpf(BPF_LINK_CREATE)',
        `ioctl(55,${C.PERF_EVENT_IOC_SET_BPF})`,
        `ioctl(55,${C.PERF_EVENT_IOC_ENABLE})`,
        `ioctl(55,${C.PERF_EVENT_IOC_DISABLE})`,
        'close(55)',
      ]);
    } finally {
      resetPerfLinkSupport();
    }
  });

  it('closes the perf fd when attaching fails', () => {
    const sys = new FakeSys();
    sys.onBpf = (cmd) => (cmd === C.BPF_LINK_CREATE ? -13 : undefined);
    resetPerfLinkSupport();
    try {
      const prog = BpfProgram.load(
        { name: 'p', type: C.BPF_PROG_TYPE_PERF_EVENT, insns: [movImm(Reg.R0, 0), exit()], license: 'GPL' },
        null,
        sys,
      );
      sys.closed.length = 0;
      assert.throws(() => attachPerfEvent(prog, 77, { target: 'tp' }), /BPF_LINK_CREATE.*EACCES.*tp/);
      assert.deepEqual(sys.closed, [77]);
    } finally {
      resetPerfLinkSupport();
    }
  });
});

describe('detaching (fake kernel)', () => {
  it('fdLink closes its fds in order, once, even when beforeRelease throws', () => {
    const sys = new FakeSys();
    let before = 0;
    const l = fdLink(sys, [3, 4], 'test', 't', () => {
      before++;
      throw new Error('ioctl went wrong');
    });
    l.close();
    l.close();
    assert.deepEqual(l.release(), []);
    assert.deepEqual(sys.closed, [3, 4]);
    assert.equal(before, 1);
  });

  it('detachAll closes a few links here, last attached first, and empties the list', async () => {
    const sys = new FakeSys();
    const links: Link[] = [fdLink(sys, [1, 2], 'a', 'a'), fdLink(sys, [3], 'b', 'b'), fdLink(sys, [4, 5], 'c', 'c')];
    const closedEarly = links[1] as Link;
    closedEarly.close();
    await detachAll(sys, links);
    assert.deepEqual(links, []);
    assert.deepEqual(sys.closed, [3, 4, 5, 1, 2]);
    assert.ok(!sys.calls.some((c) => c.name === 'closeConcurrently'));
  });

  it('detachAll hands many links to closeConcurrently, one group per link, last attached first', async () => {
    const sys = new FakeSys();
    const links: Link[] = [];
    for (let i = 0; i < 6; i++) links.push(fdLink(sys, [10 * i, 10 * i + 1], 'perf_link', `t${i}`));
    await detachAll(sys, links);
    const call = sys.calls.find((c) => c.name === 'closeConcurrently');
    assert.deepEqual(call?.args, [
      [50, 51],
      [40, 41],
      [30, 31],
      [20, 21],
      [10, 11],
      [0, 1],
    ]);
    assert.equal(sys.closed.length, 12);
  });
});

/** File offset of an ELF executable's entry point (a valid instruction boundary for a uprobe). */
function entryFileOffset(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const hdr = Buffer.alloc(64);
    readSync(fd, hdr, 0, 64, 0);
    const entry = Number(hdr.readBigUInt64LE(24));
    const phoff = Number(hdr.readBigUInt64LE(32));
    const phentsize = hdr.readUInt16LE(54);
    const phnum = hdr.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (ph.readUInt32LE(at) !== 1 /* PT_LOAD */ || !(ph.readUInt32LE(at + 4) & 1) /* PF_X */) continue;
      const offset = Number(ph.readBigUInt64LE(at + 8));
      const vaddr = Number(ph.readBigUInt64LE(at + 16));
      const filesz = Number(ph.readBigUInt64LE(at + 32));
      if (entry >= vaddr && entry < vaddr + filesz) return entry - vaddr + offset;
    }
    throw new Error(`${path}: entry point not in an executable segment`);
  } finally {
    closeSync(fd);
  }
}
