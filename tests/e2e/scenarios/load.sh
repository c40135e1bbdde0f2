# load-kexec-file (LOADER=kexec-file, COLLECTOR=makedumpfile) and
# load-kexec-tools (LOADER=kexec-tools, COLLECTOR=builtin):
#   first  : kdumpd load arms the panic kernel; kexec_crash_loaded must read 1; panic
#   capture: the command line kdumpd built carries kdumpd.capture and acpi_no_memhotplug;
#            kdumpd capture saves /proc/vmcore into /kdump-out/crash; reboot
#   post   : kdumpd dumps rescan / list (JSON); the database lives in the guest (SQLite WAL does not work on 9p)
#            and is rebuilt from the files in the dump directory, as after any lost database
#   host   : exactly one complete dump of the right kernel release in the listing;
#            makedumpfile --dump-dmesg works on the saved vmcore (and readelf -l for the builtin ELF);
#            kdumpd triage --dmesg reads the same log from it, byte for byte, and titles the crash
guest_first() {
    kd_must load load --loader "$LOADER" --kernel "$KERNEL" --initrd "$INITRD" --host-root /
    [ "$(crash_loaded)" = 1 ] || fail "kdumpd load exited 0 but kexec_crash_loaded=$(crash_loaded)"
    kd status status --host-root / --format json || true   # informational (logs/status.out)
    panic_now
}
guest_capture() {
    grep -q 'kdumpd\.capture' /proc/cmdline || fail "capture command line lacks kdumpd's marker kdumpd.capture: $(cat /proc/cmdline)"
    grep -qw acpi_no_memhotplug /proc/cmdline || fail "capture command line lacks acpi_no_memhotplug: $(cat /proc/cmdline)"
    readelf_vmcore "$OUT/readelf-vmcore.txt"
    if [ "$COLLECTOR" = builtin ]; then
        kd_must capture capture --dump-dir /kdump-out/crash --collector builtin
    else
        command -v makedumpfile > /dev/null || fail "makedumpfile is not installed on the host root"
        kd_must capture capture --dump-dir /kdump-out/crash
    fi
    reboot_to_post     # unless kdumpd capture already rebooted (its default final action)
}
guest_post() {
    kd_must rescan dumps rescan --dump-dir /kdump-out/crash --database /var/lib/kdumpd/kdumpd.db --format json
    kd_must list dumps list --dump-dir /kdump-out/crash --database /var/lib/kdumpd/kdumpd.db --format json
    cp "$OUT/logs/list.out" "$OUT/dumps-list.json"
    finish
}

host_check() {
    local v out
    out=$(python3 "$E2E_DIR/check-dump-list.py" "$SHARE/dumps-list.json" "$KVER") || { HOST_REASON="dumps list: $out"; return 1; }
    E2E_DETAIL="list: $out"
    v=$(find "$SHARE/crash" -type f -name vmcore | head -2)
    [ "$(printf '%s\n' "$v" | grep -c .)" = 1 ] || { HOST_REASON="expected exactly one <dump-dir>/*/vmcore, found: $(find "$SHARE/crash" -type f 2> /dev/null | tr '\n' ' ')"; return 1; }
    E2E_DETAIL="$E2E_DETAIL; vmcore $(stat -c %s "$v") B: $(file -b "$v" | cut -c1-80)"
    makedumpfile --dump-dmesg "$v" "$RUN_DIR/dmesg-from-saved.txt" > "$RUN_DIR/makedumpfile-dmesg.log" 2>&1 \
        || { HOST_REASON="makedumpfile --dump-dmesg failed on the saved vmcore: $(grep -m1 -iv '^$' "$RUN_DIR/makedumpfile-dmesg.log")"; return 1; }
    grep -q 'sysrq: Trigger a crash' "$RUN_DIR/dmesg-from-saved.txt" \
        || { HOST_REASON="the dmesg from the saved vmcore lacks 'sysrq: Trigger a crash'"; return 1; }
    "$KDUMPD" triage "$v" --format json --dmesg "$RUN_DIR/dmesg-kdumpd.txt" > "$RUN_DIR/triage.json" 2>&1 \
        || { HOST_REASON="kdumpd triage could not read the saved vmcore: $(head -c 300 "$RUN_DIR/triage.json")"; return 1; }
    cmp -s "$RUN_DIR/dmesg-kdumpd.txt" "$RUN_DIR/dmesg-from-saved.txt" \
        || { HOST_REASON="kdumpd's dmesg differs from makedumpfile --dump-dmesg: $(diff "$RUN_DIR/dmesg-from-saved.txt" "$RUN_DIR/dmesg-kdumpd.txt" | head -3 | tr '\n' ' ')"; return 1; }
    grep -q '"title": "Kernel panic - not syncing: sysrq triggered crash"' "$RUN_DIR/triage.json" \
        || { HOST_REASON="kdumpd triage did not title the sysrq crash: $(grep '"title"' "$RUN_DIR/triage.json")"; return 1; }
    E2E_DETAIL="$E2E_DETAIL; dmesg equal to makedumpfile's ($(wc -l < "$RUN_DIR/dmesg-kdumpd.txt") lines)"
    if [ "$COLLECTOR" = builtin ]; then
        readelf -h -l "$v" > "$RUN_DIR/readelf-saved.txt" 2>&1 && grep -q '^ *LOAD' "$RUN_DIR/readelf-saved.txt" \
            || { HOST_REASON="readelf -l rejects the built-in writer's file: $(head -2 "$RUN_DIR/readelf-saved.txt" | tr '\n' ' ')"; return 1; }
        E2E_DETAIL="$E2E_DETAIL; readelf: $(grep -c '^ *LOAD' "$RUN_DIR/readelf-saved.txt") PT_LOAD"
    fi
}
