# load-kexec-file (LOADER=kexec-file, COLLECTOR=makedumpfile) and
# load-kexec-tools (LOADER=kexec-tools, COLLECTOR=builtin):
#   first  : kdumpd load arms the panic kernel; kexec_crash_loaded must read 1; panic
#   capture: the command line kdumpd built carries kdumpd.capture and acpi_no_memhotplug;
#            kdumpd capture saves /proc/vmcore into /kdump-out/crash; reboot
#   post   : kdumpd dumps rescan --no-hash, then rescan (unchanged, hashes; makedumpfile dumps only) / list (JSON); the database lives in the guest (SQLite WAL does not work on 9p)
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
    # the scan and the SHA-256 timed apart: the scan reads a few KiB of the vmcore, the hash all of it.
    # Not the built-in writer's 859 MB sparse ELF: reading it through 9p takes 3 s, but SHA-256 on the
    # emulated CPU takes 75 - 150 s (past the step's bound on a busy host). The 25 - 45 MB
    # makedumpfile dumps of load-kexec-file* are hashed here.
    kd_must rescan dumps rescan --dump-dir /kdump-out/crash --database /var/lib/kdumpd/kdumpd.db --no-hash --format json
    if [ "$COLLECTOR" != builtin ]; then
        kd_must hash dumps rescan --dump-dir /kdump-out/crash --database /var/lib/kdumpd/kdumpd.db --format json
        grep -q '"hashed": 1' "$OUT/logs/hash.out" || fail "dumps rescan did not hash the vmcore: $(tr -d '\n' < "$OUT/logs/hash.out")"
    fi
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
    check_vmcore_dmesg "$v" "Kernel panic - not syncing: sysrq triggered crash" || return 1
    grep -q 'sysrq: Trigger a crash' "$RUN_DIR/dmesg-from-saved.txt" \
        || { HOST_REASON="the dmesg from the saved vmcore lacks 'sysrq: Trigger a crash'"; return 1; }
    if [ "$COLLECTOR" = builtin ]; then
        readelf -h -l "$v" > "$RUN_DIR/readelf-saved.txt" 2>&1 && grep -q '^ *LOAD' "$RUN_DIR/readelf-saved.txt" \
            || { HOST_REASON="readelf -l rejects the built-in writer's file: $(head -2 "$RUN_DIR/readelf-saved.txt" | tr '\n' ' ')"; return 1; }
        E2E_DETAIL="$E2E_DETAIL; readelf: $(grep -c '^ *LOAD' "$RUN_DIR/readelf-saved.txt") PT_LOAD"
    fi
}
