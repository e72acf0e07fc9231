// Golden tests over test/corpus: every script is formatted (NAME.fmt) and dumped after the
// front end (NAME.ast); error scripts in test/corpus/errors render their diagnostics (NAME.err).
// Run with UPDATE_GOLDENS=1 to rewrite the goldens after an intended change.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SourceFile } from '../../src/lang/ast.ts';
import { Diagnostics } from '../../src/lang/diagnostics.ts';
import { formatScript, parseScript } from '../../src/lang/frontend.ts';
import { dumpAst } from '../../src/lang/printer.ts';

const corpus = fileURLToPath(new URL('../../../test/corpus/', import.meta.url));
const update = process.env.UPDATE_GOLDENS === '1';

function read(path: string): string {
  return readFileSync(path, 'latin1');
}

function golden(path: string, actual: string): void {
  if (update || !existsSync(path)) {
    writeFileSync(path, actual, 'latin1');
    return;
  }
  assert.equal(actual, read(path), `${path} differs (UPDATE_GOLDENS=1 rewrites it)`);
}

function scripts(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bt'))
    .sort();
}

function frontEnd(source: SourceFile): { dump: string; diags: Diagnostics } {
  const diags = new Diagnostics(source);
  const program = parseScript(source, diags, { partial: true, keepMacroDefinitions: true, imports: false });
  return { dump: dumpAst(program), diags };
}

describe('corpus: scripts format and parse cleanly', () => {
  for (const file of scripts(corpus)) {
    it(file, () => {
      const base = file.slice(0, -3);
      const source = { name: file, text: read(join(corpus, file)) };
      const diags = new Diagnostics(source);
      const formatted = formatScript(source, diags);
      assert.ok(formatted !== null && !diags.hasErrors, diags.render());
      golden(join(corpus, `${base}.fmt`), formatted);

      const fe = frontEnd(source);
      assert.ok(!fe.diags.hasErrors, fe.diags.render());
      golden(join(corpus, `${base}.ast`), fe.dump);

      // Round trip: the formatted text means the same program and formats to itself.
      const again = { name: `${base}.fmt`, text: formatted };
      const d2 = new Diagnostics(again);
      assert.equal(formatScript(again, d2), formatted, 'formatting is not idempotent');
      assert.equal(frontEnd(again).dump, fe.dump, 'formatted script parses to a different tree');
    });
  }
});

describe('corpus: error scripts report the expected diagnostics', () => {
  const dir = join(corpus, 'errors');
  for (const file of scripts(dir)) {
    it(file, () => {
      const source = { name: file, text: read(join(dir, file)) };
      const { diags } = frontEnd(source);
      assert.ok(diags.list.length > 0, 'expected diagnostics');
      golden(join(dir, `${file.slice(0, -3)}.err`), diags.render());
    });
  }
});
