#!/usr/bin/env bash
# Developer install: publishes kdumpd (NativeAOT, deploy/publish.sh) and installs it as a systemd
# service on this machine. Operators install the Debian package instead (deploy/build-deb.sh).
#   deploy/install.sh [--destdir DIR] [--no-start] [--binary FILE]
# --destdir stages everything under DIR and touches nothing on this machine. The installed binary
# is replaced by a rename only after its successor was built and runs: a failed build or upgrade
# leaves the working one in place.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
destdir=""; start=1; binary=""
while [ $# -gt 0 ]; do
    case $1 in
        --destdir) destdir=$2; shift 2 ;;
        --no-start) start=0; shift ;;
        --binary) binary=$2; shift 2 ;;
        *) echo "usage: $0 [--destdir DIR] [--no-start] [--binary FILE]" >&2; exit 2 ;;
    esac
done
[ -n "$destdir" ] || [ "$(id -u)" = 0 ] || { echo "install.sh: run as root (or use --destdir)" >&2; exit 1; }

[ -n "$binary" ] || binary=$("$here/publish.sh" | tail -1)
"$binary" --version >/dev/null || { echo "install.sh: $binary does not run; nothing was changed" >&2; exit 1; }

install -d "$destdir/usr/sbin" "$destdir/etc/kdumpd" "$destdir/usr/lib/systemd/system" "$destdir/etc/kernel/postinst.d" \
    "$destdir/usr/share/kdumpd" "$destdir/usr/share/doc/kdumpd"
echo "installing $binary as $destdir/usr/sbin/kdumpd"
install -m 0755 "$binary" "$destdir/usr/sbin/.kdumpd.new"
mv -f "$destdir/usr/sbin/.kdumpd.new" "$destdir/usr/sbin/kdumpd"
# kdumpd-init, /init of kdumpd's capture initrd, is published beside kdumpd.
install -d "$destdir/usr/libexec/kdumpd"
install -m 0755 "$(dirname "$binary")/kdumpd-init" "$destdir/usr/libexec/kdumpd/.kdumpd-init.new"
mv -f "$destdir/usr/libexec/kdumpd/.kdumpd-init.new" "$destdir/usr/libexec/kdumpd/kdumpd-init"
# The framework-dependent layout of earlier versions (/usr/sbin/kdumpd was a link into it).
rm -rf "$destdir/usr/lib/kdumpd"
rm -rf "$destdir/usr/share/kdumpd/samples.new"
cp -r "$root/samples" "$destdir/usr/share/kdumpd/samples.new"
rm -rf "$destdir/usr/share/kdumpd/samples"
mv "$destdir/usr/share/kdumpd/samples.new" "$destdir/usr/share/kdumpd/samples"
install -m 0644 "$root/README.md" "$destdir/usr/share/doc/kdumpd/README.md"
install -m 0644 "$here/systemd/kdumpd.service" "$destdir/usr/lib/systemd/system/kdumpd.service"
install -m 0755 "$here/systemd/zz-kdumpd.postinst" "$destdir/etc/kernel/postinst.d/zz-kdumpd"
if [ ! -e "$destdir/etc/kdumpd/kdumpd.json" ]; then
    install -m 0600 "$here/systemd/kdumpd.json" "$destdir/etc/kdumpd/kdumpd.json"
else
    echo "keeping existing $destdir/etc/kdumpd/kdumpd.json"
fi
install -d -m 0700 "$destdir/var/crash"

if [ -z "$destdir" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    if [ "$start" = 1 ]; then systemctl enable --now kdumpd.service; else systemctl enable kdumpd.service; fi
    echo "kdumpd installed; 'kdumpd status' tells whether the host is armed"
else
    echo "kdumpd installed under ${destdir:-/} (systemd not running here: not started)"
fi
