// BPFTRACE_DUMMY_TS_MAP=@name: bpftrace's test hook that makes tseries read the time from a
// scalar map the script writes, so a test can script the intervals. Both the code generator
// (what tseries reads) and the output (no boot-to-epoch shift of such times) consult it.

/** The map BPFTRACE_DUMMY_TS_MAP names (without its `@`), or null. */
export function dummyTimeMap(): string | null {
  const v = process.env.BPFTRACE_DUMMY_TS_MAP;
  return v ? v.replace(/^@/, '') : null;
}
