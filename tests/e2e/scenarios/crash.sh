# crash-hung-task (CRASH=hung-task) and crash-oom (CRASH=oom): crash kinds other than sysrq c,
# provoked in the guest by nothing but sysctls and ordinary tools (Debian's kernel has no lkdtm).
#   host   : (hung-task) a 64 MiB ext4 image on a virtio disk (VM_DRIVE)
#   first  : kdumpd load (kexec_file_load), then
#            hung-task: hung_task_panic=1, hung_task_timeout_secs=2, fsfreeze -f on the ext4 mount, then a
#                       touch in it blocks in sb_start_write (D state) until khungtaskd panics;
#            oom:       panic_on_oom=1, then tail /dev/zero (it buffers a line that never ends)
#   capture: kdumpd capture (makedumpfile) into /kdump-out/crash; reboot, and the post phase ends
#   host   : kdumpd's dmesg equals makedumpfile --dump-dmesg and the title is CRASH_TITLE
#            (runs/<name>/dmesg-from-saved.txt is what tests/data/oops/qemu-*.log are cut from)
host_prepare() {
    if [ "$CRASH" = hung-task ]; then
        VM_DRIVE=$RUN_DIR/frozen.img
        rm -f "$VM_DRIVE"; truncate -s 64M "$VM_DRIVE"
        mkfs.ext4 -q -F -L frozen "$VM_DRIVE" || die "mkfs.ext4 $VM_DRIVE failed"
    fi
}
guest_first() {
    kd_must load load --loader kexec-file --kernel "$KERNEL" --initrd "$INITRD" --host-root /
    [ "$(crash_loaded)" = 1 ] || fail "kdumpd load exited 0 but kexec_crash_loaded=$(crash_loaded)"
    : > "$ST/panicked"; sync
    case $CRASH in
    hung-task)
        mkdir -p /lib/modules /mnt/frozen
        [ -e "/lib/modules/$KVER" ] || ln -s "$KROOT/lib/modules/$KVER" "/lib/modules/$KVER"
        modprobe virtio_blk && modprobe ext4 || fail "modprobe virtio_blk ext4 failed"
        mount -t ext4 /dev/vda /mnt/frozen || fail "mount /dev/vda failed"
        echo 1 > /proc/sys/kernel/hung_task_panic
        echo 2 > /proc/sys/kernel/hung_task_timeout_secs
        fsfreeze -f /mnt/frozen || fail "fsfreeze -f failed"
        say crash-trigger hung-task
        touch /mnt/frozen/blocked &
        sleep 60
        fail "no hung-task panic 60 s after a write to a frozen file system"
        ;;
    oom)
        echo 1 > /proc/sys/vm/panic_on_oom
        say crash-trigger oom
        tail /dev/zero
        sleep 30
        fail "no out-of-memory panic"
        ;;
    *) fail "unknown CRASH=$CRASH" ;;
    esac
}
guest_capture() {
    kd_must capture capture --dump-dir /kdump-out/crash
    reboot_to_post
}
guest_post() { finish; }

host_check() {
    local v
    v=$(find "$SHARE/crash" -type f -name vmcore | head -2)
    [ "$(printf '%s\n' "$v" | grep -c .)" = 1 ] || { HOST_REASON="expected exactly one <dump-dir>/*/vmcore, found: $(find "$SHARE/crash" -type f 2> /dev/null | tr '\n' ' ')"; return 1; }
    E2E_DETAIL="vmcore $(stat -c %s "$v") B"
    check_vmcore_dmesg "$v" "$CRASH_TITLE"
}
