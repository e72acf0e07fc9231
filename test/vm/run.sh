#!/bin/sh
# npm run test:vm [-- --record | --bench | --bench-only] [--kernel PKG] [--no-build]: the kernel-probe suite
# (test/vm) inside the kernel-lab VM, a stock Debian 6.1 kernel with kprobes, fentry/fexit and
# iterators. Builds on the host, then one VM boot runs every case. --record re-records bpftrace
# 0.17's reference outputs instead; --bench also runs bench/kernel-probes.ts (against bpftrace
# 0.17) after them, --bench-only instead of them. --kernel boots another Debian kernel package
# (e.g. bookworm-backports' linux-image-6.12.*-amd64-unsigned, which has multi-kprobe links).
# --no-build runs the build already in dist/ (npm test's host side of test/vm/vm.test.ts).
#
# The CLI runs on Node in the VM: under the emulated CPU Bun starts in 6-7 s, Node in ~2.5 s.
#
# The VM runner is ../shared/kernel-lab/run-in-vm (KERNEL_LAB_RUN overrides). QEMU uses KVM when
# /dev/kvm works; a /dev/kvm that exists but hangs guests is detected once per host boot (a
# short trial run) and the emulator (TCG) used instead. KERNEL_LAB_ACCEL forces either.
set -e
cd "$(dirname "$0")/../.."
root=$(pwd)
run_in_vm=${KERNEL_LAB_RUN:-$(dirname "$root")/shared/kernel-lab/run-in-vm}
if [ ! -x "$run_in_vm" ]; then
  echo "test:vm: skipped: no kernel-lab VM runner at $run_in_vm" >&2
  exit 0
fi

record=
bench=
tests_too=1
kernel=
no_build=
while [ $# -gt 0 ]; do
  case "$1" in
    --record) record=1 ;;
    --bench) bench=1 ;;
    --bench-only) bench=1; tests_too= ;;
    --no-build) no_build=1 ;;
    --kernel) kernel=$2; shift ;;
    *) echo "test:vm: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "$no_build" ]; then
  node scripts/build.mjs --cli
  node scripts/build.mjs --only test/vm
fi
# A private copy of what runs in the VM: other work in this tree may rebuild dist/ meanwhile
# (the bundle would change under a running test).
snap=$(mktemp -d /tmp/bpftrace-ts-vm.XXXXXX)
trap 'rm -rf "$snap"' EXIT
mkdir -p "$snap/dist" "$snap/test"
cp bpftrace-ts "$snap/"
cp dist/bpftrace-ts.js "$snap/dist/"
if [ -n "$bench" ]; then
  # Only bench/kernel-probes.ts, bundled as scripts/build.mjs bundles (without rebuilding dist/).
  node -e '
    const [out, root] = process.argv.slice(1);
    const entry = "import { kernelProbeBenchmarks } from \"./bench/kernel-probes.ts\";\n" +
      "const i = process.argv.indexOf(\"--runs\");\n" +
      "await kernelProbeBenchmarks(process.env.BPFTRACE_TS_ROOT, (d) => (i >= 0 ? Number(process.argv[i + 1]) : d));\n";
    import("esbuild").then((e) => e.build({
      stdin: { contents: entry, resolveDir: root, sourcefile: "bench-kernel.ts", loader: "ts" },
      outfile: out, bundle: true, platform: "node", format: "esm", target: "node20", external: ["koffi"],
      logLevel: "warning",
      banner: { js: "import { createRequire as __cr } from \"node:module\"; const require = __cr(import.meta.url);" },
    }));' "$snap/dist/bench-kernel.js" "$root"
fi
cp -r dist/test/vm "$snap/test/"
ln -s "$root/node_modules" "$snap/node_modules"

accel=${KERNEL_LAB_ACCEL:-}
if [ -z "$accel" ]; then
  accel=tcg
  if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    verdict=/tmp/bpftrace-ts-kvm-$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
    if [ ! -f "$verdict" ]; then
      if "$run_in_vm" --accel kvm --timeout 30 -- true >/dev/null 2>&1; then echo kvm >"$verdict"; else echo tcg >"$verdict"; fi
    fi
    accel=$(cat "$verdict")
  fi
fi
echo "test:vm: kernel-lab VM with accel=$accel" >&2

env_args="--env BPFTRACE_TS_VM=1 --env BPFTRACE_TS_NODE=1 --env BPFTRACE_TS_ROOT=$root --env BPFTRACE_TS_CLI=$snap/bpftrace-ts"
[ -n "$kernel" ] && env_args="$env_args --kernel $kernel"
[ -n "$record" ] && env_args="$env_args --env BPFTRACE_TS_VM_RECORD=1"
tests="node --test --test-reporter=tap --test-concurrency=1 $snap/test/vm/"
[ -z "$tests_too" ] && tests=true
[ -n "$bench" ] && tests="$tests; rc=\$?; node $snap/dist/bench-kernel.js --runs 3; exit \$rc"
# shellcheck disable=SC2086 # env_args is a list of options
"$run_in_vm" --accel "$accel" --timeout 1800 $env_args -- sh -c "$tests"
