#!/usr/bin/env bash
# Builds (once, cached) the pristine disk image of one installed-system variant and prints the
# directory holding it: disk.img (ext4, made with mkfs.ext4 -d, never mounted), vmlinuz and
# initrd.img (copies of the image's own /boot files, for QEMU -kernel/-initrd), kver, and for the
# kdumpd variants token (the API token the image's kdumpd accepts).
#
#   tests/installed/image.sh kdumpd | kdumpd-dracut | kdump-tools
#
#   kdumpd         Debian 12 + its initramfs-tools initrd + kdumpd installed with the README's
#                  operator command (apt install ./kdumpd_<version>_amd64.deb)
#   kdumpd-dracut  the same, after `apt-get install dracut` (replaces initramfs-tools) and a
#                  dracut-built initrd
#   kdump-tools    Debian's kdump-tools instead of kdumpd (the control of bench/installed)
#
# Cache: $KDUMPD_INSTALLED_CACHE (default /var/tmp/kdumpd-installed), keyed by the base tree,
# the variant, the kdumpd package and every file of this directory.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${KDUMPD_INSTALLED_CACHE:-/var/tmp/kdumpd-installed}
variant=${1:?usage: image.sh kdumpd|kdumpd-dracut|kdump-tools}
case $variant in kdumpd|kdumpd-dracut|kdump-tools) ;; *) echo "image.sh: unknown variant $variant" >&2; exit 2 ;; esac
log() { echo "installed: $*" >&2; }

base=$(bash "$here/base.sh" | tail -1)
deb=""
[ "$variant" = kdump-tools ] || deb=$(bash "$here/kdumpd-deb.sh" | tail -1)
key=$( { echo "$variant"; basename "$base"; [ -z "$deb" ] || sha256sum "$deb" | cut -d' ' -f1;
         { echo "$here/image.sh"; find "$here/guest" -type f; } | sort | xargs sha256sum; } \
       | sha256sum | cut -c1-12)
dir=$cache/image-$variant-$key
if [ -s "$dir/disk.img" ]; then echo "$dir"; exit 0; fi

start=$SECONDS
rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
tree=$dir.tmp/root
mkdir "$tree"
tar -C "$tree" --numeric-owner -xf "$base"
mounted=()
cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
    mounted=()
}
trap cleanup EXIT
mnt() { mount "$@"; mounted+=("${*: -1}"); }
# the tree bind-mounted on itself: "/" in the chroot is a mount point (mkinitramfs MODULES=dep
# and dracut resolve the root file system through it)
mnt --bind "$tree" "$tree"
mnt -t proc proc "$tree/proc"
mnt -t sysfs sys "$tree/sys"
mnt --bind /dev "$tree/dev"
mnt --bind /dev/pts "$tree/dev/pts"
cp /etc/resolv.conf "$tree/etc/resolv.conf"
# no service starts inside the chroot
printf '#!/bin/sh\nexit 101\n' > "$tree/usr/sbin/policy-rc.d"; chmod 0755 "$tree/usr/sbin/policy-rc.d"
in_root() { chroot "$tree" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
kver=$(ls "$tree/lib/modules" | sort -V | tail -1)
echo "$kver" > "$dir.tmp/kver"
steplog=$dir.tmp/build.log

# the system itself: root on /dev/vda, persistent journal, journald on the serial console (so the
# capture kernel's services, if any start there, are visible in the serial log)
echo kdumpd-e2e > "$tree/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$tree/etc/fstab"
mkdir -p "$tree/var/log/journal" "$tree/etc/systemd/journald.conf.d"
printf '[Journal]\nForwardToConsole=yes\nTTYPath=/dev/ttyS0\nMaxLevelConsole=info\n' > "$tree/etc/systemd/journald.conf.d/kdumpd-e2e-console.conf"
in_root passwd -d root >>"$steplog" 2>&1 || true
in_root apt-get update -qq >>"$steplog" 2>&1

case $variant in
kdumpd-dracut)
    log "$variant: apt-get install dracut (replaces initramfs-tools), then a dracut initrd for $kver"
    # dracut cannot see the guest's disk from a chroot (hostonly), and a generic initrd of every
    # module took 22 minutes to build here: name the guest's root driver chain, as hostonly would
    # find it on the guest itself. The initrd is still dracut's own, made by its install trigger.
    mkdir -p "$tree/etc/dracut.conf.d"
    printf '%s\n' '# kdumpd installed-system test: the QEMU guest root driver chain only' \
        'drivers+=" virtio_pci virtio_blk ext4 crc32c_generic "' > "$tree/etc/dracut.conf.d/90-kdumpd-e2e.conf"
    touch "$dir.tmp/before-dracut"
    in_root apt-get install -y -qq --no-install-recommends dracut >>"$steplog" 2>&1 || { tail -20 "$steplog" >&2; exit 1; }
    if [ ! "$tree/boot/initrd.img-$kver" -nt "$dir.tmp/before-dracut" ]; then
        in_root dracut -f "/boot/initrd.img-$kver" "$kver" >>"$steplog" 2>&1 || { tail -20 "$steplog" >&2; exit 1; }
    fi
    [ "$tree/boot/initrd.img-$kver" -nt "$dir.tmp/before-dracut" ] \
        || { echo "image.sh: dracut did not build /boot/initrd.img-$kver (see $steplog)" >&2; exit 1; }
    rm -f "$dir.tmp/before-dracut"
    ;;
kdump-tools)
    log "$variant: apt-get install kdump-tools; USE_KDUMP=1; its kdump initrd from its kernel postinst hook"
    in_root apt-get install -y -qq --no-install-recommends kdump-tools >>"$steplog" 2>&1 || { tail -20 "$steplog" >&2; exit 1; }
    sed -i 's/^USE_KDUMP=.*/USE_KDUMP=1/' "$tree/etc/default/kdump-tools"
    grep -q '^USE_KDUMP=1' "$tree/etc/default/kdump-tools" || echo USE_KDUMP=1 >> "$tree/etc/default/kdump-tools"
    # MODULES=dep resolves the chroot's "/" to the build host's disk: name the guest's root
    # driver, as dep would on the guest itself
    printf 'virtio_blk\next4\n' >> "$tree/etc/initramfs-tools/modules"
    in_root /etc/kernel/postinst.d/kdump-tools "$kver" >>"$steplog" 2>&1 || { tail -20 "$steplog" >&2; exit 1; }
    # what kdump-config's first load records; without it the first boot rebuilds the initrd
    cp "$tree/etc/kdump/sysctl.conf" "$tree/var/lib/kdump/latest_sysctls-$kver"
    ls -l "$tree/var/lib/kdump/" >>"$steplog" 2>&1 || true
    in_root systemctl enable kdump-tools.service >>"$steplog" 2>&1
    ;;
esac

mkdir -p "$tree/etc/kdumpd-e2e" "$tree/usr/local/lib/kdumpd-e2e"
if [ -n "$deb" ]; then
    log "$variant: apt install ./$(basename "$deb") (the README's operator install)"
    cp "$deb" "$tree/root/"
    in_root sh -c "cd /root && apt install -y ./$(basename "$deb")" >>"$steplog" 2>&1 || { tail -20 "$steplog" >&2; exit 1; }
    rm -f "$tree/root/$(basename "$deb")"
    in_root kdumpd token new --role download --name installed-e2e > "$dir.tmp/token" 2>>"$steplog" || { tail -5 "$steplog" >&2; exit 1; }
    cp "$dir.tmp/token" "$tree/etc/kdumpd-e2e/token"; chmod 0600 "$tree/etc/kdumpd-e2e/token"
    echo kdumpd > "$tree/etc/kdumpd-e2e/mode"
else
    echo kdump-tools > "$tree/etc/kdumpd-e2e/mode"
fi
install -m 0755 "$here/guest/e2e-first.sh" "$here/guest/e2e-post.sh" "$tree/usr/local/lib/kdumpd-e2e/"
install -m 0644 "$here/guest/kdumpd-e2e-first.service" "$here/guest/kdumpd-e2e-post.service" "$tree/etc/systemd/system/"
in_root systemctl enable kdumpd-e2e-first.service kdumpd-e2e-post.service >>"$steplog" 2>&1
in_root systemctl list-unit-files --state=enabled --no-pager > "$dir.tmp/enabled-units.txt" 2>&1 || true
in_root dpkg-query -W -f '${Package} ${Version}\n' > "$dir.tmp/packages.txt"
in_root apt-get clean >>"$steplog" 2>&1
rm -f "$tree/usr/sbin/policy-rc.d" "$tree/etc/resolv.conf"
cleanup
trap - EXIT

cp "$tree/boot/vmlinuz-$kver" "$dir.tmp/vmlinuz"
cp "$tree/boot/initrd.img-$kver" "$dir.tmp/initrd.img"
mkfs.ext4 -q -F -L root -d "$tree" "$dir.tmp/disk.img" 4G
rm -rf "$tree"
rm -rf "$dir"; mv "$dir.tmp" "$dir"
log "$variant: image built in $((SECONDS - start)) s ($(du -h --apparent-size "$dir/initrd.img" | cut -f1) initrd, kernel $kver)"
echo "$dir"
