# reservation-too-small: crashkernel=16M; `kdumpd load` must refuse with a non-zero
# exit and a message that names the sizes, must not crash, and must leave nothing loaded.
VM_CRASHKERNEL=16M
guest_first() {
    [ -x "$KDUMPD" ] || fail "kdumpd was not published (no $KDUMPD)"
    kd load load --loader kexec-file --kernel "$KERNEL" --initrd "$INITRD" --host-root /; rc=$_rc
    msg=$(cat "$OUT/logs/load.err" "$OUT/logs/load.out" | tr '\n' ' ' | cut -c1-300)
    grep -qiE "unrecognized command|required command was not provided" "$OUT/logs/load.err" "$OUT/logs/load.out" \
        && fail "kdumpd has no 'load' verb: $(why load)"
    [ "$rc" = 0 ] && fail "kdumpd load exited 0 with crashkernel=16M (kexec_crash_loaded=$(crash_loaded))"
    [ "$rc" -ge 124 ] && fail "kdumpd load was killed, timed out or crashed (rc=$rc): $msg"
    grep -qE 'Unhandled exception|   at [A-Z][A-Za-z]+\.' "$OUT/logs/load.err" "$OUT/logs/load.out" \
        && fail "kdumpd load crashed with an unhandled exception: $(why load)"
    grep -qiE '16 ?M|16777216|16384 ?K' "$OUT/logs/load.err" "$OUT/logs/load.out" \
        || fail "the refusal does not name the 16M reservation (16M or 16777216 bytes): $msg"
    [ "$(crash_loaded)" = 0 ] || fail "after the refusal kexec_crash_loaded=$(crash_loaded)"
    echo "rc=$rc $msg" > "$OUT/refusal.txt"
    say refusal rc=$rc
    finish
}
guest_capture() { fail "a capture kernel ran although nothing should have been loaded"; }
guest_post() { fail "no post phase in this scenario"; }
host_check() { E2E_DETAIL="kdumpd load: $(cut -c1-200 "$SHARE/refusal.txt")"; }
