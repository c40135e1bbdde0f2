#!/usr/bin/env bash
# Publishes kdumpd and installs it as a systemd service.
#   deploy/install.sh [--destdir DIR] [--no-start]
# --destdir stages everything under DIR (for packaging) and touches nothing on this machine.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
destdir=""; start=1
while [ $# -gt 0 ]; do
    case $1 in
        --destdir) destdir=$2; shift 2 ;;
        --no-start) start=0; shift ;;
        *) echo "usage: $0 [--destdir DIR] [--no-start]" >&2; exit 2 ;;
    esac
done
[ -n "$destdir" ] || [ "$(id -u)" = 0 ] || { echo "install.sh: run as root (or use --destdir)" >&2; exit 1; }

lib=$destdir/usr/lib/kdumpd
echo "publishing kdumpd to $lib"
rm -rf "$lib"; mkdir -p "$lib"
dotnet publish "$root/src/Daemon/Kdumpd.Daemon.csproj" -c Release -o "$lib" --nologo -v quiet
cp "$root/README.md" "$lib/README.md"

install -d "$destdir/usr/sbin" "$destdir/etc/kdumpd" "$destdir/usr/lib/systemd/system" "$destdir/etc/kernel/postinst.d"
ln -sfn /usr/lib/kdumpd/kdumpd "$destdir/usr/sbin/kdumpd"
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
