// `import "path";`: other files' probes, macros, map declarations and C definitions merged into
// the script where the import stands. Each imported file is parsed in the script's own offset
// space (after the text of everything read before it), so every span stays unique and a
// diagnostic anywhere points into the file it came from (see `locate` in diagnostics.ts).

import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import type { Program, SourceFile, TopLevel } from './ast.ts';
import { type Diagnostics, registerImportedSource } from './diagnostics.ts';
import type { IdGen } from './ids.ts';
import { parseDetailed } from './parser.ts';

export interface ImportResult {
  /** Whether an imported file used the old syntax (BEGIN/END, kprobe-era names). */
  oldSyntax: boolean;
  /** Offsets of `name!(...)` calls in imported files. */
  macroCalls: Set<number>;
}

/** The directory imports of `file` are relative to: its own, or the working directory for -e. */
function baseDir(file: SourceFile): string {
  return file.name === 'stdin' || file.name === '-' ? process.cwd() : dirname(resolve(file.name));
}

const IMPORTABLE = ['.bt', '.h', '.c'];

/** The files `path` stands for: itself, or a directory's importable files in name order. */
function filesOf(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((n) => IMPORTABLE.includes(extname(n)))
    .sort()
    .map((n) => `${path}/${n}`)
    .filter((p) => statSync(p).isFile());
}

/**
 * Replaces each Import item of `program` (and of the files it imports, recursively) with the
 * imported file's items. Problems are reported to `diags` at the import statement.
 */
export function resolveImports(program: Program, source: SourceFile, diags: Diagnostics, ids: IdGen): ImportResult {
  // Offsets are reserved in the diagnostics' file, which renders every message.
  const result: ImportResult = { oldSyntax: false, macroCalls: new Set() };
  const seen = new Set<string>();

  const expand = (items: TopLevel[], from: SourceFile): TopLevel[] => {
    const out: TopLevel[] = [];
    for (const item of items) {
      if (item.kind !== 'Import') {
        out.push(item);
        continue;
      }
      const target = resolve(baseDir(from), item.path);
      let files: string[];
      try {
        files = filesOf(target);
      } catch {
        diags.error(item.span, `could not import ${item.path}: no such file or directory (${target})`);
        continue;
      }
      for (const file of files) {
        let real: string;
        try {
          real = realpathSync(file);
        } catch {
          diags.error(item.span, `could not import ${file}: no such file or directory`);
          continue;
        }
        if (seen.has(real)) continue; // each path once, as bpftrace
        seen.add(real);
        const dir = dirname(real);
        // Anyone could plant a script in a world-writable directory (/tmp): refuse, as bpftrace.
        if ((statSync(dir).mode & 0o002) !== 0) {
          diags.error(item.span, `refusing to import ${file}: its directory ${dir} is world-writable`);
          continue;
        }
        if (real.endsWith('.bpf.c') || extname(real) === '.c') {
          diags.error(
            item.span,
            `cannot import ${file}: BPF C sources need a C compiler, which bpftrace-ts does not use`,
            'write the function as a bpftrace macro instead',
          );
          continue;
        }
        if (extname(real) === '.h') {
          // Header types come from BTF; its integer #defines are read as `#include` reads them.
          out.push({ kind: 'Include', id: item.id, span: item.span, path: real, system: false });
          continue;
        }
        const text = readFileSync(real, 'latin1');
        const file_: SourceFile = { name: file, text };
        // Offsets past everything parsed so far: the padding is blank space the lexer skips.
        const base = registerImportedSource(diags.source, file_);
        const parsed = parseDetailed({ name: file, text: ' '.repeat(base) + text }, diags, ids);
        if (parsed.oldSyntax) result.oldSyntax = true;
        for (const c of parsed.macroCalls) result.macroCalls.add(c);
        const config = parsed.program.items.find((i) => i.kind === 'ConfigBlock');
        if (config) diags.error(config.span, 'an imported script can not contain a config block');
        out.push(...expand(parsed.program.items, file_));
      }
    }
    return out;
  };

  if (program.items.some((i) => i.kind === 'Import')) program.items = expand(program.items, source);
  return result;
}
