// Word lists the parser needs to resolve ambiguities. `(pid)*2` multiplies because `pid` is a
// builtin value, while `(uint32)*p` casts because `uint32` names a type; `sizeof(x)` takes a type
// when `x` is one.

/** Builtin values of every release from 0.17 to 0.26 (some are stdlib macros in 0.26). */
const BUILTINS = new Set([
  'args',
  'cgroup',
  'comm',
  'cpid',
  'cpu',
  'ctx',
  'curtask',
  'elapsed',
  'func',
  'gid',
  'jiffies',
  'kstack',
  'ncpus',
  'nsecs',
  'numaid',
  'pid',
  'ppid',
  'probe',
  'rand',
  'retval',
  'tid',
  'uid',
  'username',
  'usermode',
  'ustack',
]);

export function isBuiltinValue(name: string): boolean {
  if (BUILTINS.has(name) || name.startsWith('__builtin_')) return true;
  // arg0, arg1, ... and the removed sarg0, sarg1, ...
  const digitsAt = name.startsWith('arg') ? 3 : name.startsWith('sarg') ? 4 : -1;
  if (digitsAt < 0 || name.length === digitsAt) return false;
  for (let i = digitsAt; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Builtins that are still language builtins in 0.26 (many of the names above became stdlib
 * macros there, so a macro may use them as parameter names).
 */
const CORE_BUILTINS = new Set(['args', 'ctx', 'kstack', 'nsecs', 'pid', 'tid', 'ustack']);

export function isCoreBuiltin(name: string): boolean {
  if (CORE_BUILTINS.has(name) || name.startsWith('__builtin_')) return true;
  return isBuiltinValue(name) && (name.startsWith('arg') || name.startsWith('sarg'));
}

/** Type names of the language and the C spellings kernel headers use. */
const TYPE_NAMES = new Set([
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'string',
  'buffer',
  'void',
  'inet',
  'usym',
  'ksym',
  'timestamp',
  'macaddr',
  'cgroup_path',
  'strerror',
  'u8',
  'u16',
  'u32',
  'u64',
  's8',
  's16',
  's32',
  's64',
  '__u8',
  '__u16',
  '__u32',
  '__u64',
  '__s8',
  '__s16',
  '__s32',
  '__s64',
  'int8_t',
  'int16_t',
  'int32_t',
  'int64_t',
  'uint8_t',
  'uint16_t',
  'uint32_t',
  'uint64_t',
  'size_t',
  'ssize_t',
  'uintptr_t',
  'intptr_t',
  'pid_t',
  'char',
  'short',
  'int',
  'long',
  'unsigned',
  'signed',
]);

export function isTypeName(name: string): boolean {
  return TYPE_NAMES.has(name);
}

/** Words that combine into one C type name: `unsigned long long`, `short int`. */
const C_TYPE_WORDS = new Set(['unsigned', 'signed', 'long', 'short', 'int', 'char']);

export function isCTypeWord(name: string): boolean {
  return C_TYPE_WORDS.has(name);
}

export function isTagKeyword(name: string): boolean {
  return name === 'struct' || name === 'union' || name === 'enum';
}
