#!/usr/bin/env node
// Runs every code example of bpftrace's reference documentation through bpftrace-ts.
//
//   node scripts/docs-examples.mjs [--rev v0.26.1] [--git-dir DIR] [--cli ./bpftrace-ts]
//                                  [--only DOC:LINE] [--write-fixture FILE] [--json] [-v]
//
// Examples are taken from docs/language.md, docs/stdlib.md, man/adoc/bpftrace.adoc and
// docs/migration_guide.md at REV of a bpftrace clone (default: the mirror). Each becomes a
// script: a `# bpftrace -e '...' ARGS` line gives the program and its flags, a block holding
// probes is the program, a block of bare statements runs inside `begin { }`. Examples whose
// shown output needs only begin/end (or an interval that exits) run for real and their output
// is compared, as is the diagnostic a doc shows; the rest go through --dry-run (compiled, and
// loaded through the verifier when run as root). Kernel-probe examples (kprobe, fentry, iter) on
// a kernel without them pass when the only errors are the kernel's. Each example is reported as
// ok, fails (with our message), known (a difference we keep or have not closed) or skipped (why).
//
// --write-fixture FILE stores the examples that pass (program, flags, expected result) for
// test/cli/docs-examples.test.ts, so the test needs neither the mirror nor this script.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = ['docs/language.md', 'docs/stdlib.md', 'man/adoc/bpftrace.adoc', 'docs/migration_guide.md'];

const PLACEHOLDER = 'a placeholder (`...`) in the code replaced by a statement';
const DUMMY = 'a placeholder function (dummy, f) replaced by do_nanosleep';
const SEMICOLON = "the doc's code lacks a `;` between statements (0.26's parser rejects it too): run with it added";
/**
 * What the extractor cannot tell by itself, by `doc:line` of the block's opening fence (`#N` for
 * the Nth command of a block): `skip`/`host`/`known` with the reason; `wrap`, `prelude`, `append`,
 * `patch` (text replaced everywhere), `program` or `statements` to make it a script; `args`;
 * `files` written beside it; the output it must print (`stdout`, `stderr`, after a `signal`) when
 * the doc states it in prose or comments; `rejects` when the doc marks it as wrong; `random` when
 * its shown output is one sample; `notInFixture` when it needs what this machine happens to have.
 */
const OVERRIDES = {
  // language.md
  'docs/language.md:202': { prelude: '$a = 1;', stdout: 'true\n' },
  'docs/language.md:224': { skip: 'placeholder bodies (`{ ... }`)' },
  'docs/language.md:440': { wrap: 'begin' },
  'docs/language.md:511': { skip: 'placeholder import path' },
  'docs/language.md:537': { skip: 'a library file, imported by the next example' },
  'docs/language.md:542': { files: { 'helpers.bt': '// helpers.bt\nmacro greet { print("hello"); }\n' }, stdout: 'hello\n' },
  'docs/language.md:555': { known: 'importing BPF C (.bpf.c) needs a C compiler, which bpftrace-ts does not use' },
  'docs/language.md:565': { skip: 'placeholder import path (a directory the docs do not give)' },
  'docs/language.md:639': { skip: 'grammar (`block;`)' },
  'docs/language.md:645': { skip: 'grammar (`start..end`, `block;`)' },
  'docs/language.md:721': { patch: [['print("Unrolled")\n', 'print("Unrolled");\n']], note: SEMICOLON },
  'docs/language.md:752': {
    patch: [
      ['print($a + @b)  ', 'print($a + @b); '],
      ['side_effects({ printf("hi") })', 'side_effects({ printf("hi") });'],
    ],
    note: SEMICOLON,
  },
  'docs/language.md:796': { rejects: 'the example is marked BAD: it must be refused' },
  'docs/language.md:815': { append: 'begin { print(add_one(1)); }', stdout: '2\n' },
  'docs/language.md:949': {
    patch: [['$a = { 1 } //', '$a = { 1 }; //']],
    prelude: '@a[1] = 1;',
    stderr: 'WARNING: Return value discarded.',
    note: SEMICOLON,
  },
  'docs/language.md:957': { prelude: '@a[1] = 1;' },
  'docs/language.md:1138': { host: 'hardware events need a PMU, which this machine lacks (--dry-run attaches, as 0.26)' },
  'docs/language.md:1588': { patch: [['{ ... }', '{ }']], note: PLACEHOLDER, notInFixture: 'needs libssl.so.3 installed' },
  'docs/language.md:1603': { skip: 'placeholder body (`{ ... }`)' },
  'docs/language.md:1611': { skip: 'placeholder body (`{ ... }`)' },
  'docs/language.md:1647': { skip: 'needs an Android APK' },
  'docs/language.md:1668': { skip: 'needs -p PID of a process with USDT probes' },
  'docs/language.md:1676': { skip: 'needs the /root/tick binary' },
  'docs/language.md:1723': { skip: 'shell substitution in the attach point' },
  'docs/language.md:1764': {
    wrap: 'uprobe:/bin/bash:readline',
    rejects: '0.26 refuses it too: a cast to string[N] takes only a string (type_checker.cpp, visit(Cast)); shows type syntax',
  },
  'docs/language.md:1847': { skip: 'fragment using undefined variables ($z, $pz)' },
  'docs/language.md:1871': { skip: 'fragment using undefined variables ($a) and types (myident)' },
  'docs/language.md:1882': { skip: 'fragment using an undefined variable ($z)' },
  'docs/language.md:1914': { patch: [['\n        ...\n', '\n        { print(1); }\n']], note: PLACEHOLDER },
  'docs/language.md:1928': { patch: [['$b = "hello"\n', '$b = "hello";\n']], note: SEMICOLON },
  'docs/language.md:1937': { patch: [['$b = "hello"\n', '$b = "hello";\n']], note: SEMICOLON },
  'docs/language.md:1962': { patch: [['begin { ... }', 'begin { @a[1] = 1; @b[1] = count(); }']], note: PLACEHOLDER },
  'docs/language.md:1987': { skip: 'grammar (`@name = expression`)' },
  'docs/language.md:1995': { skip: 'grammar (`@name[key] = expression`)' },
  'docs/language.md:2001': { skip: 'grammar (`@name[(key1,key2)] = expression`)' },
  'docs/language.md:2008': { skip: 'grammar (`@name[key1,key2] = expression`)' },
  'docs/language.md:2017': { patch: [['@[pid, comm]++\n', '@[pid, comm]++;\n']], note: SEMICOLON },
  'docs/language.md:2047': { patch: [['printf("got usage ...", ...);', 'printf("got usage\\n");']], note: PLACEHOLDER },
  'docs/language.md:2073': { skip: 'a runtime warning shown for kaddr("do_poweroff") read as a user pointer' },
  'docs/language.md:2133': { skip: 'not a bpftrace program (usage text of a BCC tool)' },
  'docs/language.md:2256': { append: 'begin { }' },
  'docs/language.md:2263': { append: 'begin { }' },
  'docs/language.md:609': { stdout: '60000000000\n' },
  'docs/language.md:616': { stdout: 'Echo A: A\n' },
  'docs/language.md:655': { stdout: '10\n20\n\n\n@map[10]: 20\n' },
  'docs/language.md:665': { stdout: '10\n11\n20\n\n\n@map[10, 11]: 20\n' },
  'docs/language.md:686': { stdout: '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n' },
  'docs/language.md:2208': { stdout: '1 12\n\n\n@c: 1\n@s: 12\n' },
  'docs/language.md:116': { patch: [['kprobe:dummy', 'kprobe:do_nanosleep']], note: DUMMY },
  'docs/language.md:1390': { host: 'needs the kvm module loaded' },
  'docs/language.md:1786': { patch: [['kprobe:dummy', 'kprobe:do_nanosleep']], note: DUMMY },
  'docs/language.md:1737': {
    program: 'begin { print((sizeof(int32*), sizeof(int32[4]), sizeof(int32*[4]), sizeof(int32[4]*), sizeof(int32*[4]*))); }',
    stdout: '(8, 16, 32, 8, 8)\n',
    note: 'the listed types, measured with sizeof',
  },
  // stdlib.md
  'docs/stdlib.md:50': { host: 'kaddr("avenrun") needs data symbols in /proc/kallsyms (CONFIG_KALLSYMS_ALL)' },
  'docs/stdlib.md:131': { host: 'needs the cgroup /sys/fs/cgroup/system.slice' },
  'docs/stdlib.md:214': {
    patch: [['  ...\n', '  print(1);\n']],
    stderr: "WARNING: Can't delete map element because it does not exist.",
    note: PLACEHOLDER,
  },
  'docs/stdlib.md:271': { append: 'begin { }' },
  'docs/stdlib.md:332': { rejects: '0.26 fails it whatever $1 is: a plain `if` is not pruned (fold_literals.cpp); `if comptime` is' },
  'docs/stdlib.md:519': { host: 'kaddr("avenrun") needs data symbols in /proc/kallsyms (CONFIG_KALLSYMS_ALL)' },
  'docs/stdlib.md:918': { random: 'hist(rand): the shown output is one sample' },
  'docs/stdlib.md:1131': { args: ['--unsafe'] },
  'docs/stdlib.md:1784': { random: 'lhist(rand): the shown output is one sample (and 0.25-style `[0, 1)` labels; 0.26 prints `[0]`)' },
  'docs/stdlib.md:797': { skip: 'override() needs CONFIG_BPF_KPROBE_OVERRIDE' },
  'docs/stdlib.md:851': { host: 'percpu_kaddr() needs per-CPU symbols in /proc/kallsyms (CONFIG_KALLSYMS_ALL)' },
  'docs/stdlib.md:863': { host: 'percpu_kaddr() needs per-CPU symbols in /proc/kallsyms (CONFIG_KALLSYMS_ALL)' },
  'docs/stdlib.md:1383': { args: ['--unsafe'] },
  'docs/stdlib.md:1424': { args: ['--unsafe'] },
  'docs/stdlib.md:1658': { args: ['--unsafe'], host: 'the kernel refuses bpf_probe_write_user here (lockdown or a security policy)' },
  'docs/stdlib.md:948': { stdout: '@[9]: 8\n@[10]: 9\n' },
  'docs/stdlib.md:1148': { stdout: 'Interrupt\n' },
  'docs/stdlib.md:1305': { stdout: 'Operation not permitted\n' },
  'docs/stdlib.md:1366': { stdout: 'read\n' },
  'docs/stdlib.md:1720': { stdout: '2\n\n\n@: 2\n' },
  'docs/stdlib.md:1829': { stdout: '\n\n@x: 33\n' },
  'docs/stdlib.md:1883': { stdout: '11\n' },
  'docs/stdlib.md:2061': { stdout: `${'@: 10\n'.repeat(10)}\n\n@: 10\n` },
  'docs/stdlib.md:1051': { statements: true, stdout: '\x1b[31mRed\t\x1b[33mYellow\x1b[0m\n' },
  'docs/stdlib.md:231': {
    patch: [['kprobe:dummy', 'kprobe:do_nanosleep']],
    note: `${DUMMY}; the lines marked error must be refused`,
    rejects: true,
  },
  'docs/stdlib.md:346': { patch: [['kprobe:dummy', 'kprobe:do_nanosleep']], note: DUMMY },
  'docs/stdlib.md:413': {
    patch: [['kprobe:dummy', 'kprobe:do_nanosleep']],
    note: `${DUMMY}; the line marked error must be refused`,
    rejects: true,
  },
  'docs/stdlib.md:970': { patch: [['kprobe:f {', 'kprobe:do_nanosleep {']], note: DUMMY },
  // migration_guide.md
  'docs/migration_guide.md:30': { append: 'begin { }' },
  'docs/migration_guide.md:123': { prelude: '@b[1] = 1; @b[2] = 1; @b[3] = 1;' },
  'docs/migration_guide.md:127': { known: 'delete() of several map elements is kept from the 0.17 era (src/lang/desugar.ts)' },
  'docs/migration_guide.md:135': { known: 'delete() of several map elements is kept from the 0.17 era (src/lang/desugar.ts)' },
  'docs/migration_guide.md:144': { prelude: '@b[1] = 1;' },
  'docs/migration_guide.md:165': { skip: "outdated: 0.26 widens a variable's integer type on assignment (language.md, Variables)" },
  'docs/migration_guide.md:183': { skip: 'shows the SIGUSR1 map printing 0.26 removed' },
  'docs/migration_guide.md:191': { signal: 'SIGUSR1', stdout: 'hello\n' },
  'docs/migration_guide.md:199': { signal: 'SIGUSR1', stdout: '@b[1]: 2\n' },
  'docs/migration_guide.md:52': { stdout: '\n' },
  'docs/migration_guide.md:97': { stdout: 'bye\n' },
};

function parseArgs(argv) {
  const o = {
    rev: 'v0.26.1',
    gitDir: '/work/.mirror/bpftrace+bpftrace/repo',
    cli: resolve(root, 'bpftrace-ts'),
    only: null,
    fixture: null,
    json: false,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--rev') o.rev = next();
    else if (a === '--git-dir') o.gitDir = next();
    else if (a === '--cli') o.cli = resolve(next());
    else if (a === '--only') o.only = next();
    else if (a === '--write-fixture') o.fixture = resolve(next());
    else if (a === '--json') o.json = true;
    else if (a === '-v') o.verbose = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function readDoc(o, path) {
  const r = spawnSync('git', [`--git-dir=${o.gitDir}`, 'show', `${o.rev}:${path}`], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return r.stdout;
}

/** Fenced blocks (``` in markdown, ---- or ``` in asciidoc) with the line of their opening fence. */
export function blocks(text) {
  const lines = text.split('\n');
  const out = [];
  let open = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const fence = /^```/.test(l) ? '```' : /^----\s*$/.test(l) ? '----' : null;
    if (open === null) {
      if (fence) open = { fence, line: i + 1, body: [], before: out.length ? lines.slice(out.at(-1).end, i).join('\n') : '' };
    } else if (fence === open.fence) {
      out.push({ line: open.line, end: i + 1, text: open.body.join('\n'), before: open.before });
      open = null;
    } else open.body.push(l);
  }
  return out;
}

/** Shell words of a command line (quotes, backslash escapes); stops at a comment, `&`, `|` or `;`. */
export function shellWords(cmd) {
  const words = [];
  let cur = null;
  let i = 0;
  while (i < cmd.length) {
    const c = cmd[i];
    if (c === "'") {
      const j = cmd.indexOf("'", i + 1);
      if (j < 0) return null;
      cur = (cur ?? '') + cmd.slice(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      let s = '';
      i++;
      while (i < cmd.length && cmd[i] !== '"') {
        if (cmd[i] === '\\' && '"\\$`'.includes(cmd[i + 1])) i++;
        s += cmd[i++];
      }
      if (i >= cmd.length) return null;
      cur = (cur ?? '') + s;
      i++;
    } else if (c === '\\') {
      cur = (cur ?? '') + (cmd[i + 1] ?? '');
      i += 2;
    } else if (/\s/.test(c)) {
      if (cur !== null) words.push(cur);
      cur = null;
      i++;
    } else if (cur === null && (c === '#' || c === '&' || c === '|' || c === ';' || c === '>' || c === '2')) {
      if (c === '2' && cmd[i + 1] !== '>') {
        cur = c;
        i++;
        continue;
      }
      break;
    } else {
      cur = (cur ?? '') + c;
      i++;
    }
  }
  if (cur !== null) words.push(cur);
  return words;
}

const COMMENT_RE = /\/\*[\s\S]*?\*\/|\/\/[^\n]*/g;

/** The output a comment like `/* Output: ... *\/` or `/* Sample output: ... *\/` shows. */
function commentOutput(text) {
  const m = /\/\*\s*\n?\s*\*?\s*(Sample output|Output):\s*\n([\s\S]*?)\*\//i.exec(text);
  if (!m) return null;
  const lines = m[2].split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
  return { sample: /sample/i.test(m[1]), text: lines.join('\n') };
}

const TOP_LEVEL = /^(#include|#define|struct\s+\w+\s*\{|enum\s+\w*\s*\{|config\s*=|let\s+@|macro\s|import\s|fn\s)/;
const PROBE_HEAD = /^(BEGIN|END|begin|end|self:\S+|[a-zA-Z_][\w-]*:[^\s{]*)\s*(,.*)?(\/.*\/)?\s*(\{|$)/;

/** Lines at column 0 that start a probe or a top-level item. */
function heads(text) {
  return text
    .replace(COMMENT_RE, '')
    .split('\n')
    .filter((l) => !/^\s/.test(l) && !/^\w+\s*:=/.test(l) && (TOP_LEVEL.test(l) || PROBE_HEAD.test(l)));
}

/** Whether a block is a whole program (probes or top-level items), not statements. */
function isProgram(text) {
  return heads(text).length > 0;
}

/** Whether a block of statements looks like bpftrace (not C, Go, shell, prose or a grammar). */
function isStatements(text) {
  const code = text.replace(COMMENT_RE, '').trim();
  if (!code) return false;
  if (/^(func|void|int|#|\$ |\[|usage|runtime)\b/.test(code) || /^\$ /.test(code)) return false;
  return /[$@]\w*/.test(code) && /[;=(]/.test(code);
}

const KERNEL_PROBES = /^\s*(kprobe|kretprobe|k|kr|fentry|fexit|f|fr|kfunc|kretfunc|iter|it)\s*:/m;

/** Whether every probe is begin/end (or an interval): the program can run here, on its own. */
function onlySpecialProbes(code) {
  return heads(code)
    .filter((l) => !TOP_LEVEL.test(l))
    .every((l) => /^(BEGIN|END|begin|end|interval:|i:)/.test(l));
}

/** Errors that only say this kernel cannot run the probe type (or a helper), not the script. */
const KERNEL_SUPPORT =
  /not available in this kernel|which this kernel (refuses|does not have)|not available for your kernel version|Missing required kernel feature|need kernel BTF/;

/** The first `ERROR:`/`WARNING:` line a shown output holds (`EXPECT` is 0.26's test-harness prefix). */
function shownDiagnostic(out) {
  const line = out.split('\n').find((l) => /(^|\s)(ERROR|WARNING):/.test(l));
  return line ? line.replace(/^EXPECT\s+/, '') : null;
}

/** Lines without trailing blank lines (bpftrace ends a run with two empty lines; docs omit them). */
function trimEnd(s) {
  return `${s.replace(/\s+$/, '')}\n`;
}

function applyOverride(text, over) {
  let t = text;
  for (const [from, to] of over.patch ?? []) {
    if (!t.includes(from)) throw new Error(`patch text not found: ${from}`);
    t = t.replaceAll(from, to);
  }
  if (over.append) t = `${t}\n${over.append}\n`;
  return t;
}

/** Examples of one block: program, flags and what the doc shows for it. */
function examplesOf(doc, block, next) {
  const id = `${doc}:${block.line}`;
  const base = { id, doc, line: block.line };
  const over = OVERRIDES[id] ?? {};
  const lines = block.text.split('\n');
  const cmdLines = lines.map((l, i) => [l, i]).filter(([l]) => /^[#$]\s*(sudo\s+)?(bpftrace|\.\/\S+\.bt)\b/.test(l));
  if (cmdLines.length > 0) {
    return cmdLines.map(([l, i], k) => {
      let cmd = l.replace(/^[#$]\s*(sudo\s+)?/, '');
      let j = i;
      while (cmd.endsWith('\\') && j + 1 < lines.length) cmd = `${cmd.slice(0, -1)} ${lines[++j].trim()}`;
      const stop = k + 1 < cmdLines.length ? cmdLines[k + 1][1] : lines.length;
      const shown = lines.slice(j + 1, stop).filter((x) => !/^[#$] /.test(x));
      const ex = { ...base, id: cmdLines.length > 1 ? `${id}#${k + 1}` : id };
      return commandExample(ex, cmd, shown.join('\n').trim(), OVERRIDES[ex.id] ?? over);
    });
  }
  if (over.skip) return [{ ...base, skip: over.skip }];
  const program = over.program !== undefined || isProgram(block.text);
  if (!program && !over.statements && !isStatements(block.text))
    return [{ ...base, skip: 'not a bpftrace program (output, C, Go, shell or grammar)' }];
  let text =
    over.program ?? (program ? block.text : `${over.wrap ?? 'begin'} {\n${over.prelude ? `${over.prelude}\n` : ''}${block.text}\n}\n`);
  text = applyOverride(text, over);
  const ex = {
    ...base,
    program: text,
    args: over.args ?? [],
    ...(over.files ? { files: over.files } : {}),
    ...(over.note ? { note: over.note } : {}),
    // Passes here but depends on what this machine has installed: not for the repository's test.
    ...(over.notInFixture ? { notInFixture: over.notInFixture } : {}),
  };
  if (over.host) return [{ ...ex, host: over.host }];
  if (over.known) return [{ ...ex, known: over.known }];
  if (over.rejects) return [{ ...ex, note: typeof over.rejects === 'string' ? over.rejects : over.note, expect: { rejected: true } }];
  if (/(^|[^\w.])\.\.\.([^\w.]|$)/.test(text.replace(COMMENT_RE, ''))) return [{ ...ex, skip: 'placeholder (`...`) in the code' }];
  // Shown output: a comment in the block, or the next block when it follows at once.
  let shown = commentOutput(block.text);
  if (!shown && next && next.line - block.end <= 4 && !isProgram(next.text) && !/^\s*[#$]/.test(next.text))
    shown = { sample: !/prints|output:/i.test(next.before), text: next.text };
  const diag = shown ? shownDiagnostic(shown.text) : null;
  if (diag) return [{ ...ex, expect: { stderr: diag } }];
  if (over.stdout !== undefined) return [{ ...ex, expect: { stdout: over.stdout } }];
  if (over.stderr !== undefined) return [{ ...ex, expect: { stderr: over.stderr } }];
  if (over.random) return [{ ...ex, note: over.random }];
  if (KERNEL_PROBES.test(block.text.replace(COMMENT_RE, ''))) return [{ ...ex, kernel: true }];
  if (shown && !shown.sample && onlySpecialProbes(text)) return [{ ...ex, expect: { stdout: trimEnd(shown.text) } }];
  return [ex];
}

/** A `bpftrace ARGS` command line as a program and flags. */
function commandExample(ex, cmd, shown, over) {
  if (over.skip) return { ...ex, skip: over.skip };
  const words = shellWords(cmd);
  if (!words || words[0] === undefined) return { ...ex, skip: 'a command line we cannot read (unbalanced quotes in the doc)' };
  if (words[0] !== 'bpftrace') return { ...ex, skip: 'runs a script file the docs do not give' };
  const args = words.slice(1);
  if (args.some((a) => /^-l|^--list|^--info/.test(a))) return { ...ex, skip: 'listing or --info (output depends on the kernel)' };
  // -c of a system command is fine (--dry-run starts no child); a program of the docs' own is not.
  const c = args.indexOf('-c');
  if (args.includes('-p') || (c >= 0 && /^\.\//.test(args[c + 1] ?? '')))
    return { ...ex, skip: 'needs a traced command or process the docs do not give' };
  const e = args.indexOf('-e');
  if (e < 0 || e + 1 >= args.length) return { ...ex, skip: 'runs a script file the docs do not give' };
  const program = applyOverride(args[e + 1], over);
  const out = { ...ex, program, args: [...args.slice(0, e), ...args.slice(e + 2)] };
  if (over.known) return { ...out, known: over.known };
  if (over.signal) return { ...out, expect: { signal: over.signal, stdout: over.stdout } };
  const diag = shownDiagnostic(shown);
  if (diag) return { ...out, expect: { stderr: diag } };
  if (KERNEL_PROBES.test(program)) return { ...out, kernel: true };
  const stdout = shown
    .split('\n')
    .filter((l) => !/^\/\/|^Attached \d+ probe/.test(l))
    .join('\n');
  if (stdout.trim() && onlySpecialProbes(program) && !/\.\.\./.test(stdout)) return { ...out, expect: { stdout: trimEnd(stdout) } };
  return out;
}

/** The command line for an example: real runs for shown output, --dry-run otherwise. */
export function argvOf(ex, dir) {
  const real = ex.expect !== undefined && !ex.expect.rejected;
  const mode = real ? [] : ['--dry-run'];
  const dd = ex.args.indexOf('--');
  const before = dd >= 0 ? ex.args.slice(0, dd) : ex.args;
  const after = dd >= 0 ? ex.args.slice(dd) : [];
  const script = ex.files ? [`${dir}/main.bt`] : ['-e', ex.program];
  // The program first, then the doc's flags and positional parameters, then `--` named options.
  return [...mode, ...script, ...before, ...after];
}

/** Judges one run of an example against what the doc shows. */
export function judge(ex, r) {
  const stderr = r.stderr ?? '';
  const stdout = r.stdout ?? '';
  const errors = stderr.split('\n').filter((l) => /ERROR:/.test(l));
  const first = errors[0] ?? stderr.trim().split('\n')[0] ?? '';
  if (r.error) return { status: 'fails', why: `did not finish: ${r.error.message}` };
  if (ex.expect?.stderr !== undefined) {
    const want = normaliseDiag(ex.expect.stderr);
    if (stderr.split('\n').some((l) => normaliseDiag(l) === want)) return { status: 'ok' };
    return { status: 'fails', why: `doc shows "${ex.expect.stderr}", we print "${first}" (exit ${r.status})` };
  }
  // Refused for what the script says, not only because this kernel lacks the probe type.
  if (ex.expect?.rejected)
    return r.status !== 0 && errors.some((l) => !KERNEL_SUPPORT.test(l))
      ? { status: 'ok' }
      : { status: 'fails', why: `accepted a script the doc marks as wrong${errors.length ? ` (only: ${errors[0]})` : ''}` };
  if (r.status !== 0) {
    if (ex.kernel && errors.length > 0 && errors.every((l) => KERNEL_SUPPORT.test(l)))
      return { status: 'skipped', why: `kernel probes cannot run on this host; the script compiles (${errors[0]})`, kernelOnly: true };
    return { status: 'fails', why: first };
  }
  if (ex.expect?.signal !== undefined) {
    if (!stdout.includes(ex.expect.stdout))
      return { status: 'fails', why: `after ${ex.expect.signal}, no "${ex.expect.stdout.trim()}" in:\n${stdout}` };
  } else if (ex.expect?.stdout !== undefined) {
    const got = trimEnd(stdout.replace(/^Attached \d+ probes?\n/, ''));
    if (got !== ex.expect.stdout) return { status: 'fails', why: `output differs:\n--- doc\n${ex.expect.stdout}--- ours\n${got}` };
  }
  return { status: 'ok' };
}

/** A diagnostic line compared without its column range (ours may stop before the `;`). */
function normaliseDiag(s) {
  return s
    .replace(/^\S+?:\d+(:\d+(-\d+)?)?(-\d+)?:\s*/, '')
    .replace(/^EXPECT\s+/, '')
    .trim();
}

/**
 * Runs the CLI until it has attached, sends `signal`, waits for `want` on stdout, then stops it
 * with SIGINT; every wait is bounded.
 */
export function runWithSignal(cli, argv, signal, want, timeoutMs = 20_000) {
  return new Promise((done) => {
    const child = spawn(cli, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr.on('data', (d) => {
      stderr += d.toString('latin1');
      if (!sent && /Attached \d+ probe/.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stdout.on('data', (d) => {
      stdout += d.toString('latin1');
      if (stdout.includes(want)) child.kill('SIGINT');
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}

/** Runs one example; returns its result. */
async function run(o, ex) {
  if (ex.skip) return { status: 'skipped', why: ex.skip };
  if (ex.host) return { status: 'skipped', why: `this host: ${ex.host}` };
  if (ex.known) return { status: 'known', why: ex.known };
  const dir = mkdtempSync(join(tmpdir(), 'docs-example-'));
  try {
    if (ex.files) {
      for (const [name, text] of Object.entries(ex.files)) writeFileSync(join(dir, name), text);
      writeFileSync(join(dir, 'main.bt'), ex.program);
    }
    const argv = argvOf(ex, dir);
    const r = ex.expect?.signal
      ? await runWithSignal(o.cli, argv, ex.expect.signal, ex.expect.stdout)
      : spawnSync(o.cli, argv, { encoding: 'latin1', timeout: 20_000, cwd: dir });
    return { ...judge(ex, r), argv };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  // `| head` closing the pipe ends the report, not with a stack trace.
  process.stdout.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const o = parseArgs(process.argv.slice(2));
  const examples = [];
  for (const doc of DOCS) {
    const text = readDoc(o, doc);
    if (text === null) continue;
    const bs = blocks(text);
    bs.forEach((b, i) => {
      examples.push(...examplesOf(doc, b, bs[i + 1]));
    });
  }
  const results = [];
  for (const ex of examples) {
    if (o.only && !ex.id.startsWith(o.only)) continue;
    const r = await run(o, ex);
    results.push({ ex, r });
    if (!o.json && (r.status !== 'ok' || o.verbose)) {
      process.stdout.write(`${ex.id}: ${r.status}${r.why ? ` — ${r.why}` : ''}${ex.note ? ` (${ex.note})` : ''}\n`);
      if (o.verbose && ex.program !== undefined) process.stdout.write(`    ${ex.program.split('\n').join('\n    ')}\n`);
    }
  }
  const count = (s) => results.filter((x) => x.r.status === s).length;
  const summary = {
    examples: results.length,
    ok: count('ok'),
    fails: count('fails'),
    known: count('known'),
    skipped: count('skipped'),
    kernelOnly: results.filter((x) => x.r.kernelOnly).length,
  };
  if (o.json) process.stdout.write(`${JSON.stringify({ summary, results: results.map(({ ex, r }) => ({ id: ex.id, ...r })) }, null, 1)}\n`);
  else process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (o.fixture) {
    // What passes here (or compiles, for kernel probes) stays passing: the fixture keeps each
    // example's program, flags and expected result, so the test needs neither the mirror nor this script.
    const kept = results
      .filter(({ ex, r }) => (r.status === 'ok' || r.kernelOnly) && !ex.notInFixture)
      .map(({ ex, r }) => ({
        id: ex.id,
        program: ex.program,
        args: ex.args,
        ...(ex.files ? { files: ex.files } : {}),
        expect: r.kernelOnly ? { compiles: true } : (ex.expect ?? { compiles: true }),
        ...(ex.kernel ? { kernel: true } : {}),
      }));
    writeFileSync(o.fixture, `${JSON.stringify({ rev: o.rev, docs: DOCS, examples: kept }, null, 2)}\n`);
    // In the repository's JSON style, so regenerating it changes only what changed.
    spawnSync(resolve(root, 'node_modules/.bin/biome'), ['format', '--write', o.fixture], { stdio: 'ignore' });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
