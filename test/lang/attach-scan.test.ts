// The parser's table of provider spellings (src/lang/attach-scan.ts) is a copy of what the
// providers declare (src/probes: name and aliases); lang keeps its own so that parsing does not
// load the provider modules. These tests keep the two in step.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalProvider } from '../../src/lang/attach-scan.ts';
import { allProviders } from '../../src/probes/registry.ts';

test('every provider name and alias is known to the parser, as that provider', () => {
  for (const p of allProviders()) {
    for (const spelling of [p.name, ...p.aliases]) {
      assert.equal(canonicalProvider(spelling), p.name.toLowerCase(), `${spelling} (provider ${p.name})`);
    }
  }
});

test('U is usdt, u is uprobe; other spellings are case-insensitive', () => {
  assert.equal(canonicalProvider('U'), 'usdt');
  assert.equal(canonicalProvider('u'), 'uprobe');
  assert.equal(canonicalProvider('BEGIN'), 'begin');
  assert.equal(canonicalProvider('Tracepoint'), 'tracepoint');
  assert.equal(canonicalProvider('nosuch'), null);
});
