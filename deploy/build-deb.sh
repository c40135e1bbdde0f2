#!/usr/bin/env bash
# Builds the Debian package of kdumpd with dpkg-deb and prints the path of the .deb on its last line.
#   deploy/build-deb.sh [--binary FILE] [--out DIR]      (default DIR: artifacts/deb)
# The binary is the NativeAOT executable from deploy/publish.sh (built unless --binary is given):
# the package needs no .NET on the host. Version from git: the last tag (v0.2.0 -> 0.2.0+N.gSHA)
# or, without a tag, 0.0~gitN.SHA (N = commits, so versions sort in history order).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
binary=""; out=$root/artifacts/deb
while [ $# -gt 0 ]; do
    case $1 in
        --binary) binary=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--binary FILE] [--out DIR]" >&2; exit 2 ;;
    esac
done
command -v dpkg-deb >/dev/null || { echo "build-deb.sh: dpkg-deb is missing (apt-get install dpkg)" >&2; exit 1; }
[ -n "$binary" ] || binary=$("$here/publish.sh" | tail -1)
[ -x "$binary" ] || { echo "build-deb.sh: $binary is not an executable" >&2; exit 1; }
# kdumpd-init (/init of kdumpd's capture initrd) is published beside kdumpd.
init=$(dirname "$binary")/kdumpd-init
[ -x "$init" ] || { echo "build-deb.sh: $init is missing (deploy/publish.sh puts it beside kdumpd)" >&2; exit 1; }

sha=$(git -C "$root" rev-parse --short=7 HEAD)
count=$(git -C "$root" rev-list --count HEAD)
if tag=$(git -C "$root" describe --tags --abbrev=0 2>/dev/null); then
    since=$(git -C "$root" rev-list --count "$tag..HEAD")
    version=${tag#v}
    [ "$since" = 0 ] || version=$version+$since.g$sha
else
    version=0.0~git$count.$sha
fi
case $(file -b "$binary") in
    *x86-64*) arch=amd64 ;;
    *aarch64*) arch=arm64 ;;
    *) echo "build-deb.sh: $binary is not an x86-64 or aarch64 ELF executable" >&2; exit 1 ;;
esac
# The newest glibc symbol version the binary uses is the libc6 it needs (what dpkg-shlibdeps would say).
# libssl3: .NET's cryptography (the SHA-256 of plans and dumps) opens libssl at run time, so it is no
# NEEDED entry; without it the binary stops with "No usable version of libssl was found".
glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/kdumpd
install -d -m 0755 "$pkg/DEBIAN" "$pkg/usr/sbin" "$pkg/lib/systemd/system" "$pkg/etc/kernel/postinst.d" \
    "$pkg/usr/share/doc/kdumpd" "$pkg/usr/share/kdumpd"
install -d -m 0700 "$pkg/etc/kdumpd" "$pkg/var/crash" "$pkg/var/lib/kdumpd"
install -m 0755 "$binary" "$pkg/usr/sbin/kdumpd"
install -d -m 0755 "$pkg/usr/libexec/kdumpd"
install -m 0755 "$init" "$pkg/usr/libexec/kdumpd/kdumpd-init"
# kdumpd run --sample looks beside the binary, then here.
cp -r "$root/samples" "$pkg/usr/share/kdumpd/samples"
install -m 0644 "$here/systemd/kdumpd.service" "$pkg/lib/systemd/system/kdumpd.service"
install -m 0755 "$here/systemd/zz-kdumpd.postinst" "$pkg/etc/kernel/postinst.d/zz-kdumpd"
install -m 0600 "$here/systemd/kdumpd.json" "$pkg/etc/kdumpd/kdumpd.json"
install -m 0644 "$root/README.md" "$pkg/usr/share/doc/kdumpd/README.md"
for script in postinst prerm postrm; do
    install -m 0755 "$here/debian/$script" "$pkg/DEBIAN/$script"
done
printf '%s\n' /etc/kdumpd/kdumpd.json /etc/kernel/postinst.d/zz-kdumpd >"$pkg/DEBIAN/conffiles"
cat >"$pkg/DEBIAN/control" <<EOF
Package: kdumpd
Version: $version
Architecture: $arch
Maintainer: kdumpd developers <kdumpd@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
Depends: libc6 (>= $glibc), libssl3
Recommends: makedumpfile
Suggests: kexec-tools
Section: admin
Priority: optional
Homepage: https://github.com/kdumpd/kdumpd
Description: crash-dump daemon: keeps a panic kernel loaded and catalogues dumps
 kdumpd plans and loads the capture kernel (kexec_file_load, or kexec-tools), reloads it when
 the kernel, initrd, memory or CPUs change, saves /proc/vmcore safely in the capture kernel and
 serves the dump catalogue over a REST API. One native executable: no runtime needed.
EOF

mkdir -p "$out"
deb=$out/kdumpd_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >&2
echo "$deb"
