# bench-arm (not in the default list; bench/native-speed.sh runs it): how fast the panic kernel is
# armed in the guest, kdumpd against kexec-tools with the same kernel, initrd and command line.
#   first: BENCH_RUNS rounds of, in turn (unloading in between):
#            kexec -s -p                                 (the peer: kexec_file_load by kexec-tools)
#            kdumpd load --loader kexec-file              (whole process: start, plan, load, record)
#            kdumpd run, from exec until kexec_crash_loaded=1 and until /readyz answers 200
#          each figure on a line "BENCH name seconds" in /kdump-out/bench.txt; no panic.
#          Timing is arm-clock.sh's (bash builtins, no process per reading): the commands from the
#          fork to their exit, the daemon from its fork (its /proc starttime) to kexec_crash_loaded=1.
#          The first kdumpd round hashes kernel and initrd and creates the databases; later rounds find
#          their SHA-256 in /tmp/capture-digests.json and their database and generation journal, as every
#          boot after the first does.
BENCH_RUNS=${BENCH_RUNS:-5}
CFG=/kdump-out/kdumpd.json
CLOCK=/kdump-out/arm-clock.sh
guest_first() {
    command -v kexec > /dev/null || fail "kexec-tools is not installed on the host root"
    printf '{ "Loader": { "Kernel": "%s", "Initrd": "%s" } }\n' "$KERNEL" "$INITRD" > "$CFG"
    : > "$OUT/bench.txt"
    i=0
    while [ $i -lt "$BENCH_RUNS" ]; do
        i=$((i + 1))
        kexec -p -u 2> /dev/null
        s=$(bash "$CLOCK" time kexec -s -p "$KERNEL" --initrd="$INITRD" --append="$APPEND" 2> "$OUT/logs/kexec.out") || fail "kexec -s -p failed: $(head -1 "$OUT/logs/kexec.out")"
        echo "BENCH kexec-s-p $s" >> "$OUT/bench.txt"
        [ "$(crash_loaded)" = 1 ] || fail "kexec -s -p exited 0 but kexec_crash_loaded=$(crash_loaded)"
        kexec -p -u

        s=$(bash "$CLOCK" time "$KDUMPD" load --loader kexec-file --config "$CFG" --host-root / --database /tmp/bench.db 2> "$OUT/logs/load.out") || fail "kdumpd load failed: $(head -1 "$OUT/logs/load.out")"
        echo "BENCH kdumpd-load $s" >> "$OUT/bench.txt"
        [ "$(crash_loaded)" = 1 ] || fail "kdumpd load exited 0 but kexec_crash_loaded=$(crash_loaded)"
        kexec -p -u

        t0=$(now)
        "$KDUMPD" run --config "$CFG" --host-root / --database /tmp/bench-run.db --dump-dir /tmp/bench-crash --urls "$API" > "$OUT/logs/daemon-bench.log" 2>&1 &
        DPID=$!; DNAME=bench
        s=$(bash "$CLOCK" armed "$DPID") || fail "kdumpd run did not arm: $s: $(daemon_why)"
        echo "BENCH daemon-armed $s" >> "$OUT/bench.txt"
        while :; do
            if [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$API/readyz" 2> /dev/null)" = 200 ]; then
                echo "BENCH daemon-readyz $(echo "$t0 $(now)" | awk '{printf "%.4f", $2-$1}')" >> "$OUT/bench.txt"
                break
            fi
            kill -0 "$DPID" 2> /dev/null || fail "kdumpd run exited before /readyz answered 200: $(daemon_why)"
            [ "$(echo "$t0 $(now)" | awk '{print ($2-$1 > 120)}')" = 0 ] || fail "/readyz did not answer 200 within 120 s"
            sleep 0.02
        done
        echo "BENCH daemon-idle-rss-kib $(awk '/VmRSS/{print $2}' "/proc/$DPID/status")" >> "$OUT/bench.txt"
        daemon_stop
        kexec -p -u
    done
    say bench-done "$(tr '\n' ' ' < "$OUT/bench.txt")"
    finish
}
host_check() {
    grep -q '^BENCH kdumpd-load ' "$SHARE/bench.txt" 2> /dev/null || { HOST_REASON="no bench figures in bench.txt"; return 1; }
    E2E_DETAIL="bench: $SHARE/bench.txt"
}
