# capture-initrd: kdumpd loads ITS OWN capture initrd and the capture runs inside it.
#   host   : a 1 GiB ext4 disk image (the dump target) on a virtio disk (VM_DRIVE)
#   first  : the Debian kernel's modules at /lib/modules/<release> (the guest sees the host's root);
#            mount the disk on /var/crash-disk; capture its sysfs chain as a fixture; kdumpd plan and
#            kdumpd load WITHOUT --initrd (kdumpd builds its initrd: native kdumpd as /init, the
#            virtio/ext4 modules, makedumpfile and its libraries); panic
#   capture: no harness code runs: the capture kernel boots kdumpd's initrd, whose /init mounts the
#            disk by UUID, saves the dump and reboots (the harness's guest_capture must NOT run)
#   post   : mount the disk, copy the dump out, kdumpd dumps rescan / list
#   host   : console shows kdumpd's /init lines and "dump saved"; one complete dump (kdumpd.json),
#            makedumpfile --dump-dmesg of it has the sysrq line; initrd size and budget recorded
host_prepare() {
    VM_DRIVE=$RUN_DIR/target.img
    rm -f "$VM_DRIVE"; truncate -s 1G "$VM_DRIVE"
    mkfs.ext4 -q -F -L kdumptarget "$VM_DRIVE" || die "mkfs.ext4 $VM_DRIVE failed"
}

INITRD_DUMPS=/var/crash-disk
OWN_CAPTURE=1

# the Debian kernel's virtio/ext4 modules (the guest's root is an overlay: the link is made again each boot)
target_disk() {
    mkdir -p /lib/modules
    [ -e "/lib/modules/$KVER" ] || ln -s "$KROOT/lib/modules/$KVER" "/lib/modules/$KVER"
    modprobe virtio_blk && modprobe ext4 || fail "modprobe virtio_blk ext4 failed$1"
    _i=0; while [ ! -b /dev/vda ]; do sleep 0.2; _i=$((_i + 1)); [ $_i -gt 50 ] && fail "/dev/vda never appeared$1"; done
    mkdir -p "$INITRD_DUMPS"
    mount -t ext4 /dev/vda "$INITRD_DUMPS" || fail "mount /dev/vda $INITRD_DUMPS failed$1"
}

initrd_modules() {
    # kdumpd finds kdumpd-init (the initrd's /init) beside itself, as deploy/publish.sh puts it
    [ -n "$KDUMPD_NATIVE" ] && [ -x "$(dirname "$KDUMPD_NATIVE")/kdumpd-init" ] || fail "no kdumpd-init beside the native kdumpd $KDUMPD_NATIVE (NativeAOT publish failed?)"
    target_disk ""
    cat > "$OUT/kdumpd.json" <<JSON
{ "DumpDir": "$INITRD_DUMPS", "Database": "/var/lib/kdumpd/kdumpd.db",
  "Capture": { "WatchdogSeconds": 240, "DeviceWaitSeconds": 30 } }
JSON
}

guest_first() {
    initrd_modules
    sh "$OUT/capture-block-sysfs.sh" "$OUT/fixture" "$INITRD_DUMPS" > "$OUT/logs/fixture.out" 2>&1 || say fixture-capture-failed
    if [ "${INITRD_FORCE:-0}" = 1 ]; then
        # Measuring what really fits (E2E_INITRD_FORCE=1): whatever kdumpd's reservation check says,
        # load its initrd with kexec -s -p, so that a refusal can be compared with the capture's outcome.
        kd load load --config "$OUT/kdumpd.json" --loader kexec-file --kernel "$KERNEL" --host-root / || true
        if [ "$(crash_loaded)" != 1 ]; then
            _img=$(ls /var/lib/kdumpd/initrd/*.cpio.gz | head -1)
            kexec -s -p "$KERNEL" --initrd="$_img" --append="console=ttyS0 irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug panic=10 lockdown=confidentiality kdumpd.capture=1 kdumpd.generation=1 ${INITRD_APPEND:-}" \
                > "$OUT/logs/kexec-forced.out" 2>&1 || fail "kexec -s -p of kdumpd's initrd failed: $(head -1 "$OUT/logs/kexec-forced.out")"
            say forced-load
        fi
    else
        kd_must load load --config "$OUT/kdumpd.json" --loader kexec-file --kernel "$KERNEL" --host-root /
    fi
    [ "$(crash_loaded)" = 1 ] || fail "kdumpd load exited 0 but kexec_crash_loaded=$(crash_loaded)"
    kd status status --config "$OUT/kdumpd.json" --host-root / --format json || true
    ls -l /var/lib/kdumpd/initrd > "$OUT/initrd-files.txt" 2>&1 || true
    cp /var/lib/kdumpd/initrd/*.cpio.gz "$OUT/" 2> /dev/null || true
    sync
    panic_now
}
guest_capture() {
    fail "the harness's own initramfs ran in the capture kernel: kdumpd did not load its own initrd ($(cat /proc/cmdline))"
}
guest_post() {
    target_disk " after the reboot"
    mkdir -p "$OUT/crash"; cp -a "$INITRD_DUMPS"/. "$OUT/crash/"
    kd_must rescan dumps rescan --dump-dir "$INITRD_DUMPS" --database /var/lib/kdumpd/kdumpd.db --format json
    kd_must list dumps list --dump-dir "$INITRD_DUMPS" --database /var/lib/kdumpd/kdumpd.db --format json
    cp "$OUT/logs/list.out" "$OUT/dumps-list.json"
    umount "$INITRD_DUMPS"
    finish
}

host_check() {
    local v meta img
    grep -q 'kdumpd: capture initrd for' "$LOGF" || { HOST_REASON="the capture kernel did not run kdumpd's /init (no 'kdumpd: capture initrd for' on the console)"; return 1; }
    grep -q 'kdumpd: dump saved in' "$LOGF" || { HOST_REASON="kdumpd's /init did not save the dump: $(grep -m1 'CAPTURE FAILED\|watchdog' "$LOGF" | cut -d' ' -f2- | cut -c1-200)"; return 1; }
    [ "$(grep -c 'kdumpd: capture initrd for' "$LOGF")" = 1 ] || { HOST_REASON="the capture ran more than once"; return 1; }
    out=$(python3 "$E2E_DIR/check-dump-list.py" "$SHARE/dumps-list.json" "$KVER") || { HOST_REASON="dumps list: $out"; return 1; }
    v=$(find "$SHARE/crash" -type f -name vmcore | head -2)
    [ "$(printf '%s\n' "$v" | grep -c .)" = 1 ] || { HOST_REASON="expected exactly one <dump-dir>/*/vmcore, found: $(find "$SHARE/crash" -type f | tr '\n' ' ')"; return 1; }
    meta=$(dirname "$v")/kdumpd.json
    grep -q '"complete": *true' "$meta" || { HOST_REASON="kdumpd.json does not say complete: $(tr -d '\n' < "$meta" | cut -c1-200)"; return 1; }
    makedumpfile --dump-dmesg "$v" "$RUN_DIR/dmesg-from-saved.txt" > "$RUN_DIR/makedumpfile-dmesg.log" 2>&1 \
        || { HOST_REASON="makedumpfile --dump-dmesg failed on the saved vmcore"; return 1; }
    grep -q 'sysrq: Trigger a crash' "$RUN_DIR/dmesg-from-saved.txt" || { HOST_REASON="the saved dmesg lacks 'sysrq: Trigger a crash'"; return 1; }
    [ -s "$(dirname "$v")/dmesg.txt" ] || { HOST_REASON="no dmesg.txt next to the vmcore"; return 1; }
    img=$(ls "$SHARE"/*.cpio.gz 2> /dev/null | head -1)
    E2E_DETAIL="crashkernel=$VM_CRASHKERNEL; vmcore $(stat -c %s "$v") B ($(file -b "$v" | cut -c1-40)); initrd $(stat -c %s "$img" 2> /dev/null) B gz, $(gzip -dc "$img" 2> /dev/null | wc -c) B unpacked; load: $(grep -h -m1 -iE "needed|budget" "$SHARE/logs/load.out" "$SHARE/logs/load.err" | cut -c1-200)"
    # the figures are a record, not a check (a forced load's refusal has them too; a missing line must not fail it)
    return 0
}
