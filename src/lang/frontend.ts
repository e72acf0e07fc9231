// The language front end as one call for the CLI: source text → parsed, `#define`s applied,
// desugared, macro-expanded Program, with every problem reported to the given Diagnostics.

import type { Program, SourceFile } from './ast.ts';
import { definitionsLines } from './clang-location.ts';
import { conditionalStates, dropInactive } from './conditionals.ts';
import { expandDefines } from './defines.ts';
import { desugar } from './desugar.ts';
import type { Diagnostics } from './diagnostics.ts';
import { type HeaderOptions, headerConstants } from './headers.ts';
import { resolveImports } from './imports.ts';
import { checkIncludes } from './include-check.ts';
import { liftBlockAggregations } from './lift-aggregations.ts';
import { expandMacros } from './macros.ts';
import { parseDetailed } from './parser.ts';
import { printProgram, rememberSource } from './printer.ts';

export interface FrontendOptions {
  /**
   * Return the (possibly partial) program even when there are errors. By default errors end the
   * front end with CompileAbort, as bpftrace stops after a failed parse.
   */
  partial?: boolean;
  /** Expand macros (default true). Off, MacroDef items stay and calls stay calls. */
  expandMacros?: boolean;
  /** Read the files `import` names (default true; off, Import items stay, as a formatter wants). */
  imports?: boolean;
  /** Keep MacroDef items after expansion (default false: later passes never see them). */
  keepMacroDefinitions?: boolean;
  /** Where `#include` and `--include` headers are looked up (each must exist), for their integer constants. */
  headers?: HeaderOptions;
}

/**
 * Parses a script and applies desugaring and macro expansion. Problems are reported to `diags`;
 * if any is an error, CompileAbort is thrown (unless `partial`), nothing else ever is.
 */
export function parseScript(source: SourceFile, diags: Diagnostics, opts: FrontendOptions = {}): Program {
  const { program, ids, oldSyntax, macroCalls } = parseDetailed(source, diags);
  rememberSource(program, source);
  // Expanding a script that does not parse would mostly add confusing follow-up errors.
  if (!diags.hasErrors) {
    const imported = opts.imports === false ? null : resolveImports(program, source, diags, ids);
    for (const c of imported?.macroCalls ?? []) macroCalls.add(c);
    program.definitionsLines = definitionsLines(program);
    if (opts.headers) {
      const states = conditionalStates(program, opts.headers.haveBtf === true);
      checkIncludes(program, states, diags, opts.headers);
      dropInactive(program, states);
    }
    try {
      const headers = opts.headers ? headerConstants(program, opts.headers) : null;
      if (headers?.userTypes.length) program.headerTypes = headers.userTypes;
      expandDefines(program, source, ids, headers);
      if (oldSyntax || imported?.oldSyntax) desugar(program, diags, ids);
      if (opts.expandMacros !== false) {
        expandMacros(program, diags, ids, { keepDefinitions: opts.keepMacroDefinitions === true, macroCalls });
        liftBlockAggregations(program, ids);
      }
    } catch (e) {
      // The parser bounds tree depth, so this is a last line of defence, not a code path.
      if (!(e instanceof RangeError)) throw e;
      diags.error(null, 'script is nested too deeply to compile');
    }
  }
  if (!opts.partial) diags.check();
  return program;
}

/** `--fmt`: the script in canonical layout, or null (with errors in `diags`) if it does not parse. */
export function formatScript(source: SourceFile, diags: Diagnostics): string | null {
  const { program, comments } = parseDetailed(source, diags);
  if (diags.hasErrors) return null;
  return printProgram(program, { source, comments });
}
