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
#
# FAULT=<name> (the capture-initrd-target-* scenarios, issue 11 "Bad input and faults"): the same
# cycle, but after kdumpd armed the capture kernel and before the panic the first kernel breaks the
# dump target, so the initrd was built for a target that is no longer what it finds:
#   missing     : the disk is re-made (mkfs.ext4: another UUID), so the target's UUID never appears
#   full        : the target filesystem is filled to 4 MiB of free space
#   unmountable : the ext4 superblock's incompatible-features word is overwritten (magic and UUID
#                 stay, the probe finds the target, the kernel refuses to mount it)
#   encrypted   : a LUKS2 header carrying the target's UUID is written over the disk (the key was
#                 thrown away when the header was made: the capture kernel has none)
#   panic       : the capture kernel itself panics (Loader:Append rdinit=/no-such-init: no /init, no
#                 root= to fall back to); kdumpd's capture command line carries panic=10, so it reboots
# host_check then wants kdumpd-init's "CAPTURE FAILED" line for that fault, no "dump saved", the
# failure action (reboot) within the watchdog (the next boot reaches the post phase), and for
# "full" a partial dump kept and listed as incomplete by kdumpd dumps rescan / list.
# MAKEDUMPFILE_FAILS=1 (capture-initrd-makedumpfile-fails): Capture:MakedumpfileArgs carries an option
# makedumpfile does not know, so it exits 1 at once inside the capture initrd; the collector is auto,
# so the built-in writer must save a complete ELF dump instead (kdumpd.json's collector says so).
FAULT=${FAULT:-}
MAKEDUMPFILE_FAILS=${MAKEDUMPFILE_FAILS:-0}
FAULT_WATCHDOG=120
FAULT_DEVICE_WAIT=10

host_prepare() {
    VM_DRIVE=$RUN_DIR/target.img
    TARGET_UUID=$(cat /proc/sys/kernel/random/uuid)
    rm -f "$VM_DRIVE"; truncate -s 1G "$VM_DRIVE"
    mkfs.ext4 -q -F -m 0 -U "$TARGET_UUID" -L kdumptarget "$VM_DRIVE" || die "mkfs.ext4 $VM_DRIVE failed"
    if [ "$FAULT" = encrypted ]; then
        command -v cryptsetup > /dev/null || die "FAULT=encrypted needs cryptsetup (cryptsetup-bin)"
        # a random key that nobody keeps: the header is real LUKS2, with the ext4 target's UUID
        truncate -s 16M "$SHARE/luks-header.img"
        head -c 32 /dev/urandom > "$RUN_DIR/luks.key"
        cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --uuid "$TARGET_UUID" \
            --key-file "$RUN_DIR/luks.key" "$SHARE/luks-header.img" > "$RUN_DIR/luksformat.log" 2>&1 || true
        rm -f "$RUN_DIR/luks.key"
        [ "$(dd if="$SHARE/luks-header.img" bs=1 skip=168 count=36 2> /dev/null)" = "$TARGET_UUID" ] \
            || die "cryptsetup luksFormat did not write a LUKS header with UUID $TARGET_UUID (see $RUN_DIR/luksformat.log)"
    fi
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
    _wd=240; _wait=30
    [ -n "$FAULT" ] && { _wd=$FAULT_WATCHDOG; _wait=$FAULT_DEVICE_WAIT; }
    _loader=""
    [ "$FAULT" = panic ] && _loader='"Loader": { "Append": "rdinit=/no-such-init" },'
    _mdf=""
    [ "$MAKEDUMPFILE_FAILS" = 1 ] && _mdf='"MakedumpfileArgs": "-c -d 31 --kdumpd-e2e-no-such-option",'
    cat > "$OUT/kdumpd.json" <<JSON
{ "DumpDir": "$INITRD_DUMPS", "Database": "/var/lib/kdumpd/kdumpd.db", $_loader
  "Capture": { $_mdf "WatchdogSeconds": $_wd, "DeviceWaitSeconds": $_wait } }
JSON
    cat /proc/iomem > "$OUT/iomem"   # what the saved dump must cover (host_check, tests/installed/check-dump.py)
}

# inject_fault: break the armed dump target (FAULT, see the top); the first kernel then panics
inject_fault() {
    case $FAULT in
    missing)
        umount "$INITRD_DUMPS" || fail "umount $INITRD_DUMPS failed"
        mkfs.ext4 -q -F -m 0 /dev/vda || fail "mkfs.ext4 /dev/vda failed"
        say "fault-missing: /dev/vda re-made, UUID now $(blkid -s UUID -o value /dev/vda 2> /dev/null || echo '?')" ;;
    full)
        # every available block but ~4 MiB (-m 0: no blocks reserved for root, which /init is; %a, not
        # %f: ext4 holds back up to 16 MiB for metadata); one file 32 MiB short, then 1 MiB files
        _free=$(stat -f -c '%a * %S' "$INITRD_DUMPS"); _free=$(($_free - 33554432))
        fallocate -l "$_free" "$INITRD_DUMPS/filler" || fail "fallocate $_free bytes on the target failed"
        _i=0
        while [ $(($(stat -f -c '%a * %S' "$INITRD_DUMPS"))) -gt 5242880 ] && [ $_i -lt 64 ]; do
            _i=$((_i + 1)); fallocate -l 1048576 "$INITRD_DUMPS/filler.$_i" || break
        done
        sync; say "fault-full: $(df -k "$INITRD_DUMPS" | tail -1)"
        umount "$INITRD_DUMPS" || fail "umount $INITRD_DUMPS failed" ;;
    unmountable)
        umount "$INITRD_DUMPS" || fail "umount $INITRD_DUMPS failed"
        # s_feature_incompat (superblock at 1024, offset 0x60): every bit set, no kernel knows them all
        printf '\377\377\377\377' | dd of=/dev/vda bs=1 seek=$((1024 + 0x60)) conv=notrunc,fsync 2> /dev/null || fail "writing the superblock failed"
        mount -t ext4 /dev/vda "$INITRD_DUMPS" 2> /dev/null && fail "the corrupted target still mounts"
        say "fault-unmountable: superblock features overwritten, mount refused" ;;
    encrypted)
        umount "$INITRD_DUMPS" || fail "umount $INITRD_DUMPS failed"
        dd if="$OUT/luks-header.img" of=/dev/vda bs=1M conv=notrunc,fsync 2> /dev/null || fail "writing the LUKS header failed"
        say "fault-encrypted: LUKS2 header with the target's UUID written over /dev/vda" ;;
    panic) say "fault-panic: the capture command line carries rdinit=/no-such-init" ;;
    *) fail "unknown FAULT=$FAULT" ;;
    esac
    sync
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
    [ -n "$FAULT" ] && inject_fault
    panic_now
}
guest_capture() {
    fail "the harness's own initramfs ran in the capture kernel: kdumpd did not load its own initrd ($(cat /proc/cmdline))"
}
guest_post() {
    say "post-boot: fault=${FAULT:-none}"
    case $FAULT in
    unmountable | encrypted | panic) finish ;;   # the target stays broken: the console tells the story
    missing)
        target_disk " after the reboot"
        find "$INITRD_DUMPS" -mindepth 1 -maxdepth 1 ! -name lost+found > "$OUT/target-after.txt"
        umount "$INITRD_DUMPS"; finish ;;
    full)
        target_disk " after the reboot"
        rm -f "$INITRD_DUMPS"/filler*   # the rest is the dump folder, copied out below
        ;;
    esac
    [ -n "$FAULT" ] || target_disk " after the reboot"
    mkdir -p "$OUT/crash"; cp -a "$INITRD_DUMPS"/. "$OUT/crash/"
    kd_must rescan dumps rescan --dump-dir "$INITRD_DUMPS" --database /var/lib/kdumpd/kdumpd.db --format json
    kd_must list dumps list --dump-dir "$INITRD_DUMPS" --database /var/lib/kdumpd/kdumpd.db --format json
    cp "$OUT/logs/list.out" "$OUT/dumps-list.json"
    umount "$INITRD_DUMPS"
    finish
}

host_check() {
    local v meta img
    if [ -n "$FAULT" ]; then fault_check; return; fi
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
    if [ "$MAKEDUMPFILE_FAILS" = 1 ]; then
        grep -q '"collector": *"builtin (makedumpfile failed)"' "$meta" \
            || { HOST_REASON="makedumpfile was made to fail but kdumpd.json's collector is not the built-in writer's: $(grep -o '"collector": *"[^"]*"' "$meta")"; return 1; }
        file -b "$v" | grep -q '^ELF 64-bit LSB core' || { HOST_REASON="the built-in writer's vmcore is not an ELF core: $(file -b "$v" | cut -c1-80)"; return 1; }
        out=$(python3 "$REPO/tests/installed/check-dump.py" "$v" --iomem "$SHARE/iomem" 2>&1) && [ "${out#ok: }" != "$out" ] \
            || { HOST_REASON="the built-in writer's vmcore does not cover System RAM: $out"; return 1; }
    fi
    img=$(ls "$SHARE"/*.cpio.gz 2> /dev/null | head -1)
    local how=""; [ "$MAKEDUMPFILE_FAILS" = 1 ] && how="makedumpfile failed, built-in writer: "
    E2E_DETAIL="${how}crashkernel=$VM_CRASHKERNEL; vmcore $(stat -c %s "$v") B ($(file -b "$v" | cut -c1-40)); initrd $(stat -c %s "$img" 2> /dev/null) B gz, $(gzip -dc "$img" 2> /dev/null | wc -c) B unpacked; load: $(grep -h -m1 -iE "needed|budget" "$SHARE/logs/load.out" "$SHARE/logs/load.err" | cut -c1-200)"
    # the figures are a record, not a check (a forced load's refusal has them too; a missing line must not fail it)
    return 0
}

# the host-stamped time of the first console line matching $1 (the run's console: $LOGF)
console_ts() { grep -m1 -- "$1" "$LOGF" | cut -d' ' -f1; }

# panic: the capture kernel panics before any /init; panic=10 (kdumpd's) reboots it into the post phase
panic_check() {
    local t_crash t_cap t_panic t_boot
    grep -q 'KDVM: fault-panic' "$LOGF" || { HOST_REASON="the first kernel did not arm the panicking capture kernel"; return 1; }
    t_crash=$(console_ts 'sysrq: Trigger a crash')
    # the capture kernel's own panic: after its "Linux version" line (the first kernel's sysrq panic comes before)
    t_cap=$(awk -v t="$t_crash" '$1 > t && /Linux version/ { print $1; exit }' "$LOGF")
    [ -n "$t_cap" ] || { HOST_REASON="no capture kernel booted after the crash"; return 1; }
    t_panic=$(awk -v t="$t_cap" '$1 > t && /Kernel panic - not syncing/ { print $1; exit }' "$LOGF")
    [ -n "$t_panic" ] || { HOST_REASON="the capture kernel did not panic"; return 1; }
    grep -q 'kdumpd: capture initrd for' "$LOGF" && { HOST_REASON="kdumpd's /init ran although rdinit pointed elsewhere"; return 1; }
    grep -q 'Rebooting in 10 seconds' "$LOGF" || { HOST_REASON="the capture kernel's panic does not reboot (no 'Rebooting in 10 seconds': panic=10 missing?)"; return 1; }
    t_boot=$(awk -v t="$t_panic" '$1 > t && /Linux version/ { print $1; exit }' "$LOGF")
    [ -n "$t_boot" ] && grep -q 'KDVM: post-boot' "$LOGF" || { HOST_REASON="the panicked capture kernel did not reboot into the post phase"; return 1; }
    E2E_DETAIL="fault panic: '$(awk -v t="$t_cap" '$1 > t && /Kernel panic - not syncing/ { $1=""; print; exit }' "$LOGF" | cut -c2-120)'; reboot to the next kernel $(dt "$t_panic" "$t_boot") s after the panic"
}

fault_check() {
    local want t_init t_fail t_rst t_boot v meta out
    [ "$FAULT" = panic ] && { panic_check; return; }
    case $FAULT in
    missing)     want="CAPTURE FAILED: the dump target UUID=$TARGET_UUID did not appear within $FAULT_DEVICE_WAIT s" ;;
    full)        want="CAPTURE FAILED: the dump in .* is incomplete: .*No space left" ;;
    unmountable) want="CAPTURE FAILED: mounting /dev/vda (ext4) on /mnt/target failed: Bad message (errno 74)" ;;
    encrypted)   want="CAPTURE FAILED: the dump target /dev/vda is encrypted and the capture kernel has no key" ;;
    esac
    grep -q "KDVM: fault-$FAULT" "$LOGF" || { HOST_REASON="the first kernel did not inject the fault"; return 1; }
    [ "$(grep -c 'kdumpd: capture initrd for' "$LOGF")" = 1 ] || { HOST_REASON="kdumpd's /init ran $(grep -c 'kdumpd: capture initrd for' "$LOGF") times, expected once"; return 1; }
    grep -q 'kdumpd: dump saved in' "$LOGF" && { HOST_REASON="kdumpd's /init says the dump was saved despite FAULT=$FAULT"; return 1; }
    grep -q "kdumpd: $want" "$LOGF" || { HOST_REASON="no console line 'kdumpd: $want' (got: $(grep -m1 'kdumpd: CAPTURE FAILED\|kdumpd: watchdog' "$LOGF" | cut -d' ' -f2- | cut -c1-200))"; return 1; }
    grep -q 'kdumpd: watchdog' "$LOGF" && { HOST_REASON="the watchdog fired: the failure path itself did not reboot"; return 1; }
    grep -qi 'enter passphrase\|please enter' "$LOGF" && { HOST_REASON="a passphrase prompt on the console"; return 1; }
    grep -q 'KDVM: post-boot' "$LOGF" || { HOST_REASON="the capture kernel did not reboot into the post phase"; return 1; }
    t_init=$(console_ts 'kdumpd: capture initrd for'); t_fail=$(console_ts "kdumpd: CAPTURE FAILED")
    t_boot=$(awk -v t="$t_fail" '$1 > t && /Linux version/ { print $1; exit }' "$LOGF")
    [ -n "$t_boot" ] || { HOST_REASON="no kernel boot after the CAPTURE FAILED line"; return 1; }
    awk -v a="$t_init" -v b="$t_fail" -v w="$FAULT_WATCHDOG" 'BEGIN { exit !(b - a < w) }' \
        || { HOST_REASON="the failure came $(dt "$t_init" "$t_fail") s after /init started, beyond the watchdog's $FAULT_WATCHDOG s"; return 1; }
    t_rst=$(awk -v t="$t_fail" '$1 > t && /reboot: Restarting system/ { print $1; exit }' "$LOGF")
    [ -n "$t_rst" ] || { HOST_REASON="no 'reboot: Restarting system' from the capture kernel after the CAPTURE FAILED line"; return 1; }
    E2E_DETAIL="fault $FAULT: '$(grep -m1 'kdumpd: CAPTURE FAILED' "$LOGF" | cut -d' ' -f2- | cut -c1-160)' $(dt "$t_init" "$t_fail") s after /init started; reboot(2) $(dt "$t_fail" "$t_rst") s later, the next kernel $(dt "$t_fail" "$t_boot") s later"
    case $FAULT in
    missing)
        [ ! -s "$SHARE/target-after.txt" ] || { HOST_REASON="something was written on the re-made disk: $(tr '\n' ' ' < "$SHARE/target-after.txt")"; return 1; } ;;
    full)
        out=$(python3 "$E2E_DIR/check-dump-list.py" "$SHARE/dumps-list.json" "$KVER" incomplete) || { HOST_REASON="dumps list: $out"; return 1; }
        v=$(find "$SHARE/crash" -type f -name vmcore-incomplete | head -2)
        [ "$(printf '%s\n' "$v" | grep -c .)" = 1 ] || { HOST_REASON="expected exactly one <dump-dir>/*/vmcore-incomplete, found: $(find "$SHARE/crash" -type f | tr '\n' ' ')"; return 1; }
        [ -z "$(find "$SHARE/crash" -type f -name vmcore)" ] || { HOST_REASON="a vmcore marked complete on a full target"; return 1; }
        meta=$(dirname "$v")/kdumpd.json
        grep -q '"complete": *false' "$meta" || { HOST_REASON="kdumpd.json does not say incomplete: $(tr -d '\n' < "$meta" | cut -c1-200)"; return 1; }
        [ -s "$(dirname "$v")/dmesg.txt" ] || { HOST_REASON="no dmesg.txt in the partial dump (it is written first)"; return 1; }
        E2E_DETAIL="$E2E_DETAIL; kept: vmcore-incomplete $(stat -c %s "$v") B, dmesg.txt $(stat -c %s "$(dirname "$v")/dmesg.txt") B; $out" ;;
    esac
    return 0
}
