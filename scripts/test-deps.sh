#!/bin/sh
# System packages the test suite uses: gcc/g++ for uprobe/USDT targets, sys/sdt.h, bpftool,
# llvm-dwarfdump and llvm-dwp, strace (counts the tracer's wait calls). Installed only when missing.
set -e
need=""
command -v gcc >/dev/null 2>&1 || need="$need gcc"
command -v g++ >/dev/null 2>&1 || need="$need g++"
# sdt.h lives under the multiarch include dir on Debian: ask the compiler, not a fixed path.
echo '#include <sys/sdt.h>' | gcc -E -x c - >/dev/null 2>&1 || need="$need systemtap-sdt-dev"
command -v bpftool >/dev/null 2>&1 || need="$need bpftool"
# llvm-dwarfdump: the reference the .debug_line reader is checked against (objdump comes with gcc).
command -v llvm-dwarfdump >/dev/null 2>&1 || need="$need llvm"
# llvm-dwp (same package): packs split DWARF into .dwp files (binutils' dwp fails on DWARF 5).
command -v llvm-dwp >/dev/null 2>&1 || case "$need" in *llvm*) ;; *) need="$need llvm" ;; esac
command -v strace >/dev/null 2>&1 || need="$need strace"
if [ -n "$need" ]; then
  echo "installing:$need" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
