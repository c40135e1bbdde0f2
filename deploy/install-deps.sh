#!/usr/bin/env bash
# Debian packages kdumpd's tests and tools use: binutils (readelf checks the headers we write),
# QEMU + kexec-tools + makedumpfile + busybox-static (the end-to-end kdump cycles), file, cpio,
# xz-utils, zstd, kmod (initramfs and kernel package handling; depmod writes the e2e kernel's modules.dep); clang + libsqlite3-dev (the NativeAOT link of
# deploy/publish.sh, SQLite linked in statically); curl, python3 (tests/native/verbs.sh); debootstrap,
# e2fsprogs (the installed-system image of tests/installed and bench/installed); chromium +
# chromium-driver (the dashboard's browser tests drive Debian's own browser through Selenium, never a
# downloaded one); openssh-server + openssh-client (the egress tests run a real sshd on
# loopback), nodejs + npm (s3rver, the egress tests' S3 server, pinned in tests/tools/package.json).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pkgs=(binutils qemu-system-x86 kexec-tools makedumpfile busybox-static file cpio xz-utils zstd kmod gzip clang libsqlite3-dev curl python3 debootstrap e2fsprogs chromium chromium-driver openssh-server openssh-client)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# node may come from the image rather than Debian; npm with it.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ "$(id -u)" = 0 ] && sudo= || sudo=sudo
if ((${#missing[@]})); then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -f "$root/tests/tools/node_modules/s3rver/bin/s3rver.js" ]; then
    npm install --prefix "$root/tests/tools" --no-audit --no-fund --loglevel=error >/dev/null
fi
echo "deps: ${pkgs[*]} node npm s3rver present"
