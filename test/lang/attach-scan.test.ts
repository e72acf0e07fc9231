// The parser knows provider spellings from the probe-type table (src/probes/names.ts), the
// providers take their names and aliases from the same table, and src/lang reads nothing else of
// src/probes (parsing must not load the providers). These tests hold all three.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { canonicalProvider, providerHintList, scanAttachPoint, suggestProvider } from '../../src/lang/attach-scan.ts';
import { PROBE_NAMES } from '../../src/probes/names.ts';
import { allProviders } from '../../src/probes/registry.ts';
import { ROOT } from '../helpers/run.ts';

test('every provider name and alias is known to the parser, as that provider', () => {
  for (const p of allProviders()) {
    for (const spelling of [p.name, ...p.aliases]) {
      assert.equal(canonicalProvider(spelling), p.name.toLowerCase(), `${spelling} (provider ${p.name})`);
    }
  }
});

test('the probe-type table and the providers agree: one provider per entry, same name and aliases', () => {
  const providers = new Map(allProviders().map((p) => [p.name, p]));
  for (const n of Object.values(PROBE_NAMES)) {
    const p = providers.get(n.name);
    assert.ok(p, `no provider for ${n.name}, which the parser accepts`);
    assert.deepEqual(p.aliases, n.aliases, n.name);
  }
  assert.equal(providers.size, Object.keys(PROBE_NAMES).length, 'every provider is in the table');
});

test('src/lang reads only the probe-type table of src/probes', () => {
  const dir = join(ROOT, 'src', 'lang');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/from '(\.\.\/probes\/[^']+)'/g)) {
      assert.equal(m[1], '../probes/names.ts', `${f} imports ${m[1]}`);
    }
  }
});

test('hints and suggestions come from the table', () => {
  assert.equal(
    providerHintList(),
    'kprobe, kretprobe, uprobe, uretprobe, usdt, tracepoint, rawtracepoint, fentry, fexit, profile, interval, software, hardware, watchpoint, iter, begin, end',
  );
  assert.equal(suggestProvider('kprobee'), 'kprobe');
  assert.equal(suggestProvider('kfnc'), 'fentry');
  assert.equal(suggestProvider('BEGN'), 'begin');
  assert.equal(suggestProvider('zzzzzz'), null);
});

test('U is usdt, u is uprobe; other spellings are case-insensitive', () => {
  assert.equal(canonicalProvider('U'), 'usdt');
  assert.equal(canonicalProvider('u'), 'uprobe');
  assert.equal(canonicalProvider('BEGIN'), 'begin');
  assert.equal(canonicalProvider('Tracepoint'), 'tracepoint');
  assert.equal(canonicalProvider('nosuch'), null);
});

test('a relative path with a slash stays in the attach point; a predicate after a name does not', () => {
  const path = 'uprobe:testprogs/uprobe_test:uprobeFunction1 /pid > 0/ { }';
  assert.equal(path.slice(0, scanAttachPoint(path, 0).end), 'uprobe:testprogs/uprobe_test:uprobeFunction1');
  const deep = 'u:a/b/c:f{}';
  assert.equal(deep.slice(0, scanAttachPoint(deep, 0).end), 'u:a/b/c:f');
  const pred = 'tracepoint:syscalls:sys_enter_read/pid == 1/ { }';
  assert.equal(pred.slice(0, scanAttachPoint(pred, 0).end), 'tracepoint:syscalls:sys_enter_read');
  const predColon = 'kprobe:f/arg0 ? 1 : 2/ { }';
  assert.equal(predColon.slice(0, scanAttachPoint(predColon, 0).end), 'kprobe:f');
});
