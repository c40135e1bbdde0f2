#!/usr/bin/env bash
# Publishes kdumpd as one NativeAOT executable (no .NET runtime needed where it runs), and beside it
# kdumpd-init, the capture-only program that is /init of kdumpd's capture initrd; prints the path of
# kdumpd on its last line. Everything else (install.sh, build-deb.sh, the e2e harness,
# the benchmarks) takes the binary from here.
#   deploy/publish.sh [--rid linux-x64|linux-arm64] [--out DIR]     (default DIR: artifacts/publish/kdumpd)
# The output directory is replaced only after the new binary was built and runs (--version).
# linux-arm64 from an x86_64 Debian 12 host (a cross build; the binary is checked on an arm64 host):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu libc6-dev:arm64 libsqlite3-dev:arm64 \
#       libssl-dev:arm64 zlib1g-dev:arm64
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rid=""; out=""
while [ $# -gt 0 ]; do
    case $1 in
        --rid) rid=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--rid RID] [--out DIR]" >&2; exit 2 ;;
    esac
done
case ${rid:-$(uname -m)} in
    x86_64 | linux-x64) rid=linux-x64 ;;
    aarch64 | linux-arm64) rid=linux-arm64 ;;
    *) echo "publish.sh: unsupported architecture ${rid:-$(uname -m)}" >&2; exit 2 ;;
esac
out=${out:-$root/artifacts/publish/kdumpd}
[ "$rid" = linux-x64 ] || out=${out%/}-$rid

# ILC needs a C toolchain driver; Debian 12 has clang-14 without the unversioned name.
cc=""
for candidate in clang clang-14 gcc; do
    if command -v "$candidate" >/dev/null 2>&1; then cc=$candidate; break; fi
done
[ -n "$cc" ] || { echo "publish.sh: no C compiler/linker (clang or gcc) for the NativeAOT link; run deploy/install-deps.sh" >&2; exit 1; }

# A cross build strips with the target's objcopy (clang's unversioned llvm-objcopy is absent on Debian).
cross=()
case $rid/$(uname -m) in
    linux-arm64/x86_64) cross=(-p:ObjCopyName=aarch64-linux-gnu-objcopy) ;;
    linux-x64/aarch64) cross=(-p:ObjCopyName=x86_64-linux-gnu-objcopy) ;;
esac

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "${out%/}.new.XXXXXX")
trap 'rm -rf "$stage"' EXIT
dotnet publish "$root/src/Daemon/Kdumpd.Daemon.csproj" -c Release -r "$rid" --nologo -v quiet \
    -p:CppCompilerAndLinker="$cc" "${cross[@]}" -o "$stage/build" >&2
dotnet publish "$root/src/Init/Kdumpd.Init.csproj" -c Release -r "$rid" --nologo -v quiet \
    -p:CppCompilerAndLinker="$cc" "${cross[@]}" -o "$stage/init" >&2
# SQLite is linked in (src/Daemon/Kdumpd.Daemon.csproj): a libe_sqlite3.so here means it was not.
if [ -e "$stage/build/libe_sqlite3.so" ]; then
    echo "publish.sh: SQLite was not linked into the binary (no libsqlite3.a: apt-get install libsqlite3-dev, or run deploy/install-deps.sh)" >&2
    exit 1
fi
# The runtime directory is the executable and the built-in sample host, nothing else (no .pdb,
# .xml, .dbg: symbols are stripped into build/kdumpd.dbg, which is not shipped).
mkdir -p "$stage/out"
mv "$stage/build/kdumpd" "$stage/out/kdumpd"
mv "$stage/init/kdumpd-init" "$stage/out/kdumpd-init"
mv "$stage/build/samples" "$stage/out/samples"
case $rid/$(uname -m) in
    linux-x64/x86_64 | linux-arm64/aarch64)
        "$stage/out/kdumpd" --version >/dev/null || { echo "publish.sh: the new binary does not run" >&2; exit 1; }
        # Started by hand, kdumpd-init must refuse (exit 2) instead of acting as /init.
        rc=0; "$stage/out/kdumpd-init" 2>/dev/null || rc=$?
        [ "$rc" = 2 ] || { echo "publish.sh: kdumpd-init does not run (exit $rc)" >&2; exit 1; } ;;
esac
if [ -e "$out" ]; then
    mv "$out" "$out.old.$$"
fi
mv "$stage/out" "$out"
rm -rf "$out.old.$$"
echo "$out/kdumpd"
