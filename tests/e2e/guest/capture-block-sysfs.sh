#!/bin/sh
# capture-block-sysfs.sh DEST MOUNTPOINT: copy what kdumpd's DumpTargetResolver reads about the block
# device under MOUNTPOINT into DEST (a host-root fixture tree): /proc/self/mountinfo, /sys/dev/block
# and /sys/class/block links, the device's sysfs directories from the partition up to /sys/devices with
# their driver and driver/module links (relative, as sysfs has them), dm/md attributes and slaves, and
# /dev/disk/by-uuid when udev made it. Runs in a guest with busybox or coreutils.
set -eu
dest=$1; mnt=$2
mkdir -p "$dest/proc/self"
cat /proc/self/mountinfo > "$dest/proc/self/mountinfo"
link() { mkdir -p "$dest$(dirname "$1")"; rm -f "$dest$1"; ln -s "$(readlink "$1")" "$dest$1"; }
file() { [ -r "$1" ] || return 0; mkdir -p "$dest$(dirname "$1")"; cat "$1" > "$dest$1" 2> /dev/null || true; }
walk() {
    d=$1
    for f in dev uevent partition size dm/uuid dm/name md/level; do file "$d/$f"; done
    if [ -d "$d/slaves" ]; then
        mkdir -p "$dest$d/slaves"
        for s in "$d"/slaves/*; do [ -L "$s" ] || continue; link "$s"; walk "$(readlink -f "$s")"; done
    fi
    [ -e "$d/partition" ] && d=$(dirname "$d")
    while :; do
        case $d in /sys/devices/*) ;; *) break ;; esac
        file "$d/uevent"; file "$d/dev"
        if [ -L "$d/driver" ]; then
            link "$d/driver"; drv=$(readlink -f "$d/driver"); mkdir -p "$dest$drv"
            if [ -L "$drv/module" ]; then link "$drv/module"; mkdir -p "$dest$(readlink -f "$drv/module")"; fi
        fi
        d=$(dirname "$d")
    done
}
majmin=$(awk -v m="$mnt" '$5 == m { print $3 }' /proc/self/mountinfo | tail -1)
[ -n "$majmin" ] || { echo "no mount at $mnt" >&2; exit 1; }
link "/sys/dev/block/$majmin"
walk "$(readlink -f "/sys/dev/block/$majmin")"
for l in /sys/class/block/*; do link "$l"; done
if [ -d /dev/disk/by-uuid ]; then for l in /dev/disk/by-uuid/*; do link "$l"; done; fi
echo "captured $mnt ($majmin) into $dest"
