# hotplug-stale-control (HP_MODE=stale) and hotplug-reload (HP_MODE=reload).
# -m 1G,slots=4,maxmem=4G; a 512 MiB pc-dimm is hot-added through QMP after the
# panic kernel was loaded, its blocks are onlined, then the guest panics.  6.1
# has no crash hotplug, so the header only covers the DIMM after a reload.
#   stale : kexec -s -p, no reload      -> /proc/vmcore must LACK 0x100000000 (control)
#   reload: kdumpd run reloads on its own -> /proc/vmcore must HAVE 0x100000000
VM_MEM=1G,slots=4,maxmem=4G

generation() {   # the active generation's number from `kdumpd status --format json`
    timeout -k 5 60 "$KDUMPD" status --host-root / --format json > "$OUT/logs/status.json" 2> "$OUT/logs/status.err" || return 0
    jq -r '[.. | objects | to_entries[] | select(.key | test("generation"; "i")) | .value
            | if type == "object" then (.number // .generation // .id) else . end | numbers] | first // empty' \
        "$OUT/logs/status.json" 2> /dev/null
}

guest_first() {
    if [ "$HP_MODE" = stale ]; then
        step kexec-load kexec -s -p "$KERNEL" --initrd="$INITRD" --append="$APPEND" \
            || fail "kexec -s -p failed: $(why kexec-load)"
        [ "$(crash_loaded)" = 1 ] || fail "kexec -s -p returned 0 but kexec_crash_loaded=$(crash_loaded)"
        hot_add_memory
    else
        printf '{ "Loader": { "Kernel": "%s", "Initrd": "%s" } }\n' "$KERNEL" "$INITRD" > "$OUT/kdumpd.json"
        daemon_start first --config "$OUT/kdumpd.json" --host-root / --dump-dir /kdump-out/crash --urls "$API"
        http_wait /readyz 200 120
        [ "$(crash_loaded)" = 1 ] || fail "kdumpd is ready but kexec_crash_loaded=$(crash_loaded)"
        g0=$(generation)
        [ -n "$g0" ] || fail "kdumpd status --format json shows no generation number: $(head -c 300 "$OUT/logs/status.json" "$OUT/logs/status.err" | tr '\n' ' ')"
        say generation-before=$g0
        hot_add_memory
        t0=$(now); i=0
        while :; do
            g=$(generation)
            [ -n "$g" ] && [ "$g" != "$g0" ] && break
            i=$((i + 1)); [ $i -gt 60 ] && fail "no reload within 60 s of the hot-add (generation stayed $g0)"
            sleep 1
        done
        say reload-seen generation=$g secs=$(dt "$t0" "$(now)")
        [ "$(crash_loaded)" = 1 ] || fail "after the reload kexec_crash_loaded=$(crash_loaded)"
    fi
    panic_now
}
guest_capture() {
    grep -qw acpi_no_memhotplug /proc/cmdline || fail "capture command line lacks acpi_no_memhotplug: $(cat /proc/cmdline)"
    readelf_vmcore "$OUT/readelf-vmcore.txt"
    finish
}
guest_post() { fail "no post phase in this scenario"; }

host_check() {
    local f=$SHARE/readelf-vmcore.txt n high
    [ -s "$f" ] || { HOST_REASON="no readelf output of /proc/vmcore"; return 1; }
    n=$(grep -c '^ *LOAD' "$f")
    high=$(awk '$1=="LOAD"{ p=$4; sub(/^0x0*/,"",p); if (length(p) > 8) print $4 }' "$f" | tr '\n' ' ')
    E2E_DETAIL="PT_LOAD=$n, at or above 4 GiB: ${high:-none}"
    if [ "$HP_MODE" = stale ]; then
        [ -z "$high" ] || { HOST_REASON="a header loaded before the hot-add unexpectedly covers $high (crash hotplug?)"; return 1; }
    else
        awk '$1=="LOAD"{ p=$4; sub(/^0x0*/,"",p); if (p=="100000000") f=1 } END{ exit !f }' "$f" \
            || { HOST_REASON="the dump's program headers lack the hot-added range 0x100000000 ($E2E_DETAIL)"; return 1; }
    fi
}
