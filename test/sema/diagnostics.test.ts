// The type checker's diagnostics, rendered exactly as the CLI prints them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileText } from '../helpers/compile.ts';

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

const cases: [string, string, RegExp | string][] = [
  [
    'map value type mismatch',
    'BEGIN { @x = 1; @x = "a"; }',
    /Type mismatch for @x: trying to assign value of type 'string\[2\]' when map already contains a value of type 'int8'/,
  ],
  ['map key mismatch', 'BEGIN { @x[1] = 1; @x["a"] = 2; }', /Argument mismatch for @x/],
  ['variable type mismatch', 'BEGIN { $x = 1; $x = "s"; }', /Type mismatch for \$x/],
  [
    'undefined variable',
    'BEGIN { printf("%d\\n", $nope); }',
    'stdin:1:24-29: ERROR: Undefined or undeclared variable: $nope\nBEGIN { printf("%d\\n", $nope); }\n                       ~~~~~\n',
  ],
  ['unknown function', 'BEGIN { nosuch(1); }', 'stdin:1:9-15: ERROR: Unknown function: nosuch\nBEGIN { nosuch(1); }\n        ~~~~~~\n'],
  ['unknown identifier', 'BEGIN { $x = whatever; }', /Unknown identifier: 'whatever'/],
  ['aggregation not assigned', 'BEGIN { count(); }', /count\(\) should be directly assigned to a map/],
  ['wrong argument count', 'BEGIN { @x = hist(); }', /hist\(\) requires 1 to 2 arguments \(0 provided\)/],
  ['aggregation of a string', 'BEGIN { @x = sum("a"); }', /sum\(\) expects an integer argument \(string provided\)/],
  ['lhist bounds must be literals', 'BEGIN { $m = 1; @x = lhist(1, $m, 10, 1); }', /lhist\(\) min must be a literal integer/],
  ['printf not enough args', 'BEGIN { printf("%d %d\\n", 1); }', /not enough arguments for format string \(1 supplied, 2 expected\)/],
  ['printf too many args', 'BEGIN { printf("%d\\n", 1, 2); }', /too many arguments for format string \(2 supplied, 1 expected\)/],
  ['printf wrong type', 'BEGIN { printf("%d\\n", "s"); }', /unsupported format specifier for type 'string\[2\]': d/],
  ['system without --unsafe', 'BEGIN { system("ls"); }', /system\(\) is an unsafe function being used in safe mode/],
  [
    'args outside typed probes',
    'BEGIN { printf("%d\\n", args.x); }',
    /The args builtin can only be used with tracepoint\/fentry\/uprobe probes \(BEGIN used here\)/,
  ],
  ['arg0 in BEGIN', 'BEGIN { printf("%d\\n", arg0); }', /The arg0 builtin can only be used with kprobe\/uprobe\/rawtracepoint probes/],
  ['retval in BEGIN', 'BEGIN { printf("%d\\n", retval); }', /The retval builtin can only be used with return probes/],
  ['break outside a loop', 'BEGIN { break; }', /'break' statement is not allowed outside of a loop/],
  ['string arithmetic', 'BEGIN { $s = "a"; $x = $s + 1; }', /The \+ operator can not be used on expressions of type string/],
  ['comparing string with int', 'BEGIN { if ("a" == 1) { } }', /Type mismatch for '==': comparing 'string\[2\]' with 'int8'/],
  ['tuple index out of range', 'BEGIN { $t = (1, 2); printf("%d\\n", $t.5); }', /Invalid tuple index: 5. Found 2 elements in tuple./],
  ['unknown struct', 'BEGIN { $x = (struct no_such_struct_xyz *)0; }', /Unknown struct\/union: 'struct no_such_struct_xyz'/],
  ['unknown provider', 'tracpoint:a:b { }', /Invalid probe type: tracpoint|tracepoint/],
  ['several errors in one run', 'BEGIN { foo(); bar(); }', /Unknown function: foo[\s\S]*Unknown function: bar/],
];

for (const [name, script, expected] of cases) {
  test(`diagnostic: ${name}`, () => {
    const r = compileText(script);
    assert.equal(r.script, null, `expected an error for ${script}`);
    if (typeof expected === 'string') assert.equal(r.errors, expected);
    else assert.match(r.errors, expected);
  });
}

test('a well-typed script has no diagnostics', () => {
  const r = compileText('BEGIN { $a = 1; @m[comm, $a] = count(); @h = hist($a); printf("%s %d\\n", comm, $a); exit(); }');
  assert.equal(r.errors, '');
  assert.ok(r.script);
});

test('map types are unified across probes', () => {
  const r = compileText('BEGIN { @x[1] = 5; } END { @x[2] = 7; @s = "ab"; @s = "abcdef"; }');
  assert.equal(r.errors, '');
  const maps = r.script?.resources.maps.map((m) => `${m.info.name}:${m.spec.keySize}/${m.spec.valueSize}`);
  assert.deepEqual(maps, ['x:8/8', 's:8/8']);
});

test('max_strlen from the config block sizes str()', () => {
  const r = compileText('config = { max_strlen = 32 } BEGIN { $p = 0; @s = str($p); }');
  assert.equal(r.errors, '');
  assert.equal(r.script?.resources.maps[0]?.spec.valueSize, 32);
});

test('BPFTRACE_MAX_MAP_KEYS sets map sizes, and the environment wins over config', () => {
  const r = compileText('config = { max_map_keys = 10 } BEGIN { @x[1] = 1; }', { env: { BPFTRACE_MAX_MAP_KEYS: '77' } });
  assert.equal(r.script?.resources.maps[0]?.spec.maxEntries, 77);
});

test('positional parameters are literals', () => {
  const r = compileText('BEGIN { @x = lhist(5, $1, $2, 1); printf("%s\\n", $3); }', { positional: ['0', '10', 'word'] });
  assert.equal(r.errors, '');
});

test('warnings as bpftrace 0.26 gives them: unreachable statements (once per block) and unused declared maps', () => {
  const text = 'let @a = hash(2); BEGIN { @x = 1; exit(); @x = 2; @y = 3; } END { if (1) { return; } else { return; } @z = 1; }';
  const r = compileText(text);
  assert.ok(r.script);
  const stmt = (s: string): string => `stdin:1:${text.indexOf(s) + 1}-${text.indexOf(s) + 1 + s.length}`;
  assert.equal(
    r.errors,
    `${stmt('@x = 2')}: WARNING: Unreachable statement.\n${text}\n${' '.repeat(text.indexOf('@x = 2'))}~~~~~~\n` +
      `${stmt('@z = 1')}: WARNING: Unreachable statement.\n${text}\n${' '.repeat(text.indexOf('@z = 1'))}~~~~~~\n` +
      `${stmt('let @a = hash(2);')}: WARNING: Unused map: @a\n${text}\n~~~~~~~~~~~~~~~~~\n`,
  );
  assert.equal(compileText('let @a = hash(2); BEGIN { @a[1] = 1; exit(); }').errors, '');
});

test("print()'s top/div on a stats() map: 0.26's warning, also when the map is typed after the print", () => {
  const warning = "WARNING: print()'s top and div arguments are ignored when used on stats() maps.";
  const text = 'BEGIN { @x = stats(10); print(@x, 2); }';
  assert.equal(compileText(text).errors, `stdin:1:25-37: ${warning}\n${text}\n${' '.repeat(24)}~~~~~~~~~~~~\n`);
  assert.match(compileText('BEGIN { print(@x, 2, 3); } END { @x = stats(1); }').errors, /^stdin:1:9-24: WARNING: print\(\)'s top/);
  for (const quiet of [
    'BEGIN { @x = stats(10); print(@x); }',
    'BEGIN { @x = count(); print(@x, 2); }',
    'BEGIN { @x[1] = hist(1); print(@x, 1, 2); }',
  ]) {
    assert.equal(compileText(quiet).errors, '', quiet);
  }
});

test('config block keys and values as bpftrace 0.26 words their errors', () => {
  const at = (text: string, what: string): string => {
    const i = text.indexOf(what);
    return `stdin:1:${i + 1}-${i + 1 + what.length}`;
  };
  let text = 'config = { bad_config=raw } BEGIN { exit(); }';
  assert.match(
    compileText(text).errors,
    new RegExp(`^${at(text, 'bad_config=raw')}: ERROR: bad_config: not a known configuration option\\n`),
  );
  text = 'config = { btf = 1 } BEGIN { exit(); }';
  assert.match(compileText(text).errors, /ERROR: btf: can only be set as an environment variable/);
  text = 'config = { license = "Potato" } BEGIN { exit(); }';
  assert.match(
    compileText(text).errors,
    /ERROR: Invalid value for license\. Found: Potato\. Valid values: Dual MIT\/GPL, Dual BSD\/GPL, Dual MPL\/GPL, GPL and additional rights, GPL v2, GPL\. Read more/,
  );
  // An old name still works, with a warning naming the new one.
  const renamed = compileText('config = { strlen = 32 } BEGIN { $p = 0; @s = str($p); exit(); }');
  assert.match(renamed.errors, /WARNING: strlen has been renamed, please use max_strlen/);
  assert.equal(renamed.script?.resources.maps[0]?.spec.valueSize, 32);
  assert.equal(compileText('config = { license = "Dual BSD/GPL" } BEGIN { exit(); }').errors, '');
});

test('config keys 0.26 has beyond the ones we act on are taken; its removed keys only warn (docs/language.md examples)', () => {
  // 0.26's DEPRECATED_CONFIGS: a warning, and the value is ignored (docs: `unstable_map_decl=enable`).
  const text = 'config = { unstable_map_decl=enable; unstable_macro=1 } begin { }';
  const dep = compileText(text);
  assert.notEqual(dep.script, null, dep.errors);
  const i = text.indexOf('unstable_map_decl=enable');
  assert.match(dep.errors, new RegExp(`^stdin:1:${i + 1}-${i + 25}: WARNING: unstable_map_decl is deprecated and has no effect\n`));
  assert.match(dep.errors, /WARNING: unstable_macro is deprecated and has no effect/);
  // Keys of 0.26's config table: accepted, and `config` reads back what was set.
  const keys = compileText(
    'config = { unstable_dw_ustack=enable; unstable_import_statement=warn; lazy_symbolication=0; use_blazesym=1; max_probes=7; max_bpf_progs=9; cache_user_symbols=PER_PID } begin { $c = config; }',
  );
  assert.equal(keys.errors, '');
  const cfg = keys.script?.config;
  assert.equal(cfg?.unstableDwUstack, 'enable');
  assert.equal(cfg?.unstableImportStatement, 'warn');
  assert.equal(cfg?.lazySymbolication, false);
  assert.equal(cfg?.useBlazesym, true);
  assert.equal(cfg?.maxProbes, 7);
  assert.equal(cfg?.maxBpfProgs, 9);
  assert.equal(cfg?.cacheUserSymbols, 'per_pid');
  assert.match(
    compileText('config = { cache_user_symbols=always } begin { }').errors,
    /ERROR: Invalid value for cache_user_symbols: valid values are PER_PID, PER_PROGRAM, and NONE\./,
  );
  assert.match(
    compileText('config = { no_cpp_demangle=1 } begin { }').errors,
    /WARNING: no_cpp_demangle has been renamed, please use cpp_demangle/,
  );
});

test('delete() on a map nothing stores into: Undefined map, not an internal error (migration guide example)', () => {
  for (const text of ['begin { delete(@b, 1); }', 'begin { delete(@b[1]); }', 'begin { $x = delete(@b, 1); }']) {
    const r = compileText(text);
    assert.equal(r.script, null);
    assert.match(r.errors, /^stdin:1:\d+-\d+: ERROR: Undefined map: @b\n/m, text);
    assert.doesNotMatch(r.errors, /internal/);
  }
  // Stored into anywhere in the script (even after the delete) is enough.
  assert.equal(compileText('begin { delete(@b, 1); @b[1] = 2; }').errors, '');
});

test("delete()'s map and key checked as 0.26's macros check them (stdlib.md's delete example)", () => {
  const err = (text: string): string => lines(compileText(text).errors).find((l) => l.includes('ERROR:')) ?? '';
  assert.equal(
    err('begin { @associative[1,2] = 1; delete(@associative); }'),
    'stdin:1:32-52: ERROR: call to delete() with a single argument expects a map without explicit keys (scalar map)',
  );
  assert.equal(
    err('begin { @associative[1,2] = 1; delete(@associative, 1); }'),
    "stdin:1:32-55: ERROR: Argument mismatch for @associative: trying to access with arguments: 'int8' when map expects arguments: '(int8,int8)'",
  );
  assert.equal(
    err('begin { @s = 1; delete(@s, 1); }'),
    'stdin:1:17-30: ERROR: call to delete() with two arguments expects a map with explicit keys (non-scalar map)',
  );
  assert.match(
    err('begin { @x[1, "hi"] = 1; delete(@x["hi", 1]); }'),
    /ERROR: Argument mismatch for @x: trying to access with arguments: '\(string\[3\],int8\)' when map expects arguments: '\(int8,string\[3\]\)'/,
  );
  for (const ok of [
    'begin { @associative[1,2] = 1; delete(@associative, (1,2)); }',
    'begin { @s = 1; delete(@s); }',
    'begin { @single["hello"] = 1; delete(@single, "hello"); delete(@single["hello"]); }',
    'begin { @y[1, "hi"] = 5; delete(@y[1, "longerstr"]); }',
    'begin { @c = count(); delete(@c); @m[1] = count(); delete(@m, 1); }',
  ])
    assert.equal(compileText(ok).errors.replace(/^.*WARNING.*\n.*\n.*\n(HINT.*\n)?/gm, ''), '', ok);
});

test('string[N] and buffer[N] are sized types, not arrays (docs/language.md, Types)', () => {
  const ok = compileText(
    'begin { $s = (string[64])"abc"; let $t: string[16] = "hi"; @m[(string[8])"ab"] = sizeof($s) + sizeof($t) + sizeof(string[4]); let $b: buffer[8] = buf("abcdefgh", 8); }',
  );
  assert.equal(ok.errors, '');
  const types = [...(ok.script?.sema.vars.values() ?? [])].map((v) => v.type);
  assert.ok(types.some((t) => t?.kind === 'string' && t?.size === 64));
  assert.ok(types.some((t) => t?.kind === 'string' && t?.size === 16));
  assert.ok(types.some((t) => t?.kind === 'buffer' && t?.size === 8));
  // As 0.26: only a string at most as wide casts to string[N]; nothing casts to buffer[N].
  assert.match(compileText('begin { $s = (string[2])"abc"; }').errors, /ERROR: Cannot cast from "string\[4\]" to "string\[2\]"/);
  assert.match(compileText('begin { $s = (string[64])1; }').errors, /ERROR: Cannot cast from "int8" to "string\[64\]"/);
  assert.match(compileText('begin { $b = (buffer[8])"abc"; }').errors, /ERROR: Cannot cast from "string\[4\]" to "buffer\[8\]"/);
  // Other element types still make arrays.
  assert.equal(compileText('begin { $a = (uint8[8])12345; }').errors, '');
});

test("0.26's 'Return value discarded.' for an expression statement whose value nobody uses", () => {
  const warned = (body: string): boolean => compileText(`BEGIN { ${body} }`).errors.includes('WARNING: Return value discarded.');
  for (const body of ['bswap(1);', 'cgroup_path(1);', 'ustack(raw);', '@a[1] = 1; has_key(@a, 1);', '1 + 2;', 'strftime("%H", nsecs);'])
    assert.ok(warned(body), body);
  // Void calls, updates, assignments, `_ =` and delete() (which warns at run time instead) are quiet.
  for (const body of [
    'print(1);',
    '$a = 1; ++$a;',
    '$a = 1; $a--;',
    '@x++;',
    '@c = count();',
    '_ = bswap(1);',
    '@a[1] = 1; delete(@a, 1);',
    'printf("x");',
    'exit();',
  ])
    assert.ok(!warned(body), body);
  const text = 'BEGIN { bswap(1); }';
  assert.equal(compileText(text).errors, `stdin:1:9-17: WARNING: Return value discarded.\n${text}\n        ~~~~~~~~\n`);
});

test("missing_probes = warn: a probe left with no attach point is dropped with 0.26's prune warning", () => {
  const text = 'config = { missing_probes = "warn" } BEGIN { exit(); } uprobe:/bin/sh:no_such_fn_xyz { }';
  const warnings = lines(compileText(text).errors).filter((l) => l.includes('WARNING'));
  assert.deepEqual(warnings, [
    'stdin:1:56-85: WARNING: No matches for uprobe /bin/sh:no_such_fn_xyz. Skipping.',
    'stdin:1:56-85: WARNING: Probe has no valid attach points. It is being removed which may cause issues with program behavior.',
  ]);
  // One attach point left: the probe stays, no prune warning.
  const kept = compileText(`${text.replace('no_such_fn_xyz', 'no_such_fn_xyz, uprobe:/bin/bash:readline')}`).errors;
  assert.doesNotMatch(kept, /no valid attach points/);
});

test("comm(PID): 0.26's errors where its kfunc cannot be called, and for a pid that is not an integer", () => {
  assert.match(
    compileText('BEGIN { @ = comm(1); }').errors,
    /^stdin:1:13-20: ERROR: Syntax comm\(PID\) is not supported in this probe type yet\. Type: special$/m,
  );
  assert.match(compileText('BEGIN { @ = comm("x"); }').errors, /ERROR: Only integer supported for comm\(\)'s pid/);
  assert.equal(compileText('BEGIN { @ = comm(); @c = comm; }').errors, '');
});

test('a wildcard attach point that matches nothing adds no target, as 0.26; a probe left empty is pruned by missing_probes', () => {
  assert.equal(compileText('uprobe:/bin/bash:readline, uprobe:/bin/bash:no_such_fn_xyz* { }').errors, '');
  assert.match(
    compileText('uprobe:/bin/bash:no_such_fn_xyz* { }').errors,
    /^stdin:1:1-33: ERROR: Probe has no valid attach points\. If this is expected, set the 'missing_probes' config variable to 'warn'\.$/m,
  );
  const warned = compileText('config = { missing_probes = "warn" } BEGIN { exit(); } uprobe:/bin/bash:no_such_fn_xyz* { }').errors;
  assert.match(warned, /WARNING: Probe has no valid attach points\. It is being removed which may cause issues with program behavior\./);
  assert.doesNotMatch(warned, /No matches/);
  assert.equal(compileText('config = { missing_probes = "ignore" } BEGIN { exit(); } uprobe:/bin/bash:no_such_fn_xyz* { }').errors, '');
});
