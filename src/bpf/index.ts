// The BPF layer's public API: the one door to the kernel and the objects built on it.

export * from './attr.ts';
export { funcInfoBtf, loadBtf } from './btf-func.ts';
export * from './constants.ts';
export { defaultSys, setDefaultSys } from './default-sys.ts';
export { type DisasmOptions, disasm, formatInsn } from './disasm.ts';
export {
  type FeatureName,
  type FeatureResult,
  type FeatureStatus,
  Features,
  featureReport,
  features,
} from './features.ts';
export { Helper, helperId, helperName, MAX_HELPER_ID } from './helpers.ts';
export * from './insn.ts';
export { attachPerfEvent, attachRawTracepoint, type Link, resetPerfLinkSupport } from './link.ts';
export {
  BpfMap,
  isPerCpu,
  type MapEntry,
  type MapSpec,
  type PerCpuEntry,
  parseCpuList,
  possibleCpus,
  sanitizeObjName,
} from './map.ts';
export { ensureMemlock, kernelUsesMemcg } from './memlock.ts';
export {
  openBreakpoint,
  openHardware,
  openKprobe,
  openPerfEvent,
  openSoftware,
  openTracepoint,
  openUprobe,
  type PerfEventOptions,
  type PmuInfo,
  parsePmuFormatBit,
  perfEventAttr,
  pmuInfo,
  type SamplingOptions,
  type UprobeOptions,
} from './perf-event.ts';
export {
  BpfProgram,
  enableStats,
  mapResolver,
  type ProgramSpec,
  type ProgramStats,
  reasonLine,
  type TestRunResult,
  VerifierError,
} from './program.ts';
export {
  type RecordCallback,
  RingBuf,
  RingBufReader,
  RingConsumer,
  readCounter,
} from './ringbuf.ts';
export {
  check,
  checkBpf,
  type EpollEvent,
  errnoMessage,
  errnoName,
  type NativeBuffer,
  type Rlimit,
  type Sys,
  SyscallError,
} from './sys.ts';
export { createKoffiSys } from './sys-koffi.ts';
