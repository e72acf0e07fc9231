// C++ (Itanium ABI) demangling through the gecko-profiler-demangle package: Rust's
// cpp_demangle compiled to WebAssembly. Its generated ESM glue imports the .wasm as a module,
// which Node does not do, so the module is instantiated here directly; it is loaded only when
// a mangled name is first met.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The project compiles without the DOM library, which is where TypeScript declares WebAssembly.
interface WasmTable {
  grow(n: number): number;
  set(i: number, v: unknown): void;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};

interface DemanglerExports {
  memory: { buffer: ArrayBuffer };
  demangle_any(ptr: number, len: number): [number, number];
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __wbindgen_export_0: WasmTable;
  __wbindgen_start(): void;
}

let wasm: DemanglerExports | null | undefined;
const memo = new Map<string, string>();

function load(): DemanglerExports | null {
  if (wasm !== undefined) return wasm;
  try {
    const req = createRequire(import.meta.url);
    const bytes = readFileSync(req.resolve('gecko-profiler-demangle/index_bg.wasm'));
    let exports: DemanglerExports | null = null;
    const imports = {
      './index_bg.js': {
        // wasm-bindgen's externref table setup: four reserved slots.
        __wbindgen_init_externref_table(): void {
          const t = (exports as DemanglerExports).__wbindgen_export_0;
          const off = t.grow(4);
          t.set(0, undefined);
          t.set(off + 0, undefined);
          t.set(off + 1, null);
          t.set(off + 2, true);
          t.set(off + 3, false);
        },
      },
    };
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
    exports = inst.exports as unknown as DemanglerExports;
    exports.__wbindgen_start();
    wasm = exports;
  } catch {
    wasm = null;
  }
  return wasm;
}

/** Whether a name is an Itanium-mangled C++ name. */
export function isMangled(name: string): boolean {
  return name.startsWith('_Z');
}

/** The demangled form of a C++ name, or the name itself (not mangled, or no demangler). */
export function demangle(name: string): string {
  if (!isMangled(name)) return name;
  const hit = memo.get(name);
  if (hit !== undefined) return hit;
  const w = load();
  let out = name;
  if (w) {
    const bytes = Buffer.from(name, 'latin1');
    const ptr = w.__wbindgen_malloc(bytes.length, 1) >>> 0;
    new Uint8Array(w.memory.buffer, ptr, bytes.length).set(bytes);
    const [rp, rl] = w.demangle_any(ptr, bytes.length);
    out = Buffer.from(new Uint8Array(w.memory.buffer, rp >>> 0, rl >>> 0)).toString('utf8');
    w.__wbindgen_free(rp, rl, 1);
  }
  memo.set(name, out);
  return out;
}

/** A demangled name without its parameter list: `ns::f(int)` → `ns::f`. */
export function withoutParams(demangled: string): string {
  if (!demangled.endsWith(')') && !demangled.endsWith(') const')) return demangled;
  let depth = 0;
  for (let i = demangled.length - 1; i >= 0; i--) {
    const c = demangled[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) return demangled.slice(0, i);
    }
  }
  return demangled;
}
