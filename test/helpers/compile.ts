// Compiles a script in-process (no kernel needed for BEGIN/END-only scripts).

import { type CompiledScript, compile } from '../../src/codegen/compile.ts';
import { CompileAbort, Diagnostics } from '../../src/lang/diagnostics.ts';
import { parseScript } from '../../src/lang/frontend.ts';

export interface CompileResult {
  script: CompiledScript | null;
  /** Rendered diagnostics, as the CLI prints them. */
  errors: string;
}

export function compileText(
  text: string,
  opts: { positional?: string[]; unsafe?: boolean; env?: NodeJS.ProcessEnv; probeFilter?: RegExp; deferKernelSupport?: boolean } = {},
): CompileResult {
  const diags = new Diagnostics({ name: 'stdin', text });
  try {
    const program = parseScript({ name: 'stdin', text }, diags);
    const script = compile(program, diags, {
      positional: opts.positional ?? [],
      unsafe: opts.unsafe ?? false,
      env: opts.env ?? {},
      probeFilter: opts.probeFilter ?? null,
      deferKernelSupport: opts.deferKernelSupport ?? false,
    });
    return { script, errors: diags.render() };
  } catch (e) {
    if (e instanceof CompileAbort) return { script: null, errors: diags.render() };
    throw e;
  }
}
