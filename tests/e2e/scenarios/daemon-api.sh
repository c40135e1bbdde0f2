# daemon-api: kdumpd as the daemon in both normal boots, the API end to end.
#   first  : token new (download, operate) into a config; kdumpd run; /readyz 200;
#            kexec_crash_loaded=1; panic
#   capture: kdumpd capture --dump-dir /kdump-out/crash; reboot
#   post   : kdumpd run again; GET /v1/dumps (download token) lists the dump;
#            GET /v1/dumps/{id}/vmcore; its SHA-256 equals the file's
CFG=/kdump-out/kdumpd.json
run_args() { echo --config "$CFG" --host-root / --dump-dir /kdump-out/crash --urls "$API"; }
guest_first() {
    # This host's /boot has no 6.1 kernel: name the capture kernel and initrd explicitly.
    printf '{ "Loader": { "Kernel": "%s", "Initrd": "%s" } }\n' "$KERNEL" "$INITRD" > "$CFG"
    kd_must token-download token new --role download --name e2e-download --config "$CFG"
    token_of "$OUT/logs/token-download.out" > "$OUT/token.download"
    [ -s "$OUT/token.download" ] && [ -n "$(cat "$OUT/token.download")" ] || fail "kdumpd token new printed no token: $(why token-download)"
    kd_must token-operate token new --role operate --name e2e-operate --config "$CFG"
    token_of "$OUT/logs/token-operate.out" > "$OUT/token.operate"
    grep -qF "$(cat "$OUT/token.download")" "$CFG" && fail "the config holds the download token in clear text"
    daemon_start first $(run_args)
    http_wait /readyz 200 120
    cp "$OUT/logs/http-wait.body" "$OUT/readyz-first.json"
    [ "$(crash_loaded)" = 1 ] || fail "kdumpd is ready but kexec_crash_loaded=$(crash_loaded)"
    panic_now
}
guest_capture() {
    kd_must capture capture --dump-dir /kdump-out/crash
    reboot_to_post
}
guest_post() {
    T=$(cat "$OUT/token.download")
    daemon_start post $(run_args)
    http_wait /healthz 200 120
    c=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$API/v1/dumps")
    [ "$c" = 401 ] || fail "GET /v1/dumps without a token answered $c, not 401"
    i=0
    while :; do
        c=$(curl -s -m 10 -H "Authorization: Bearer $T" -o "$OUT/dumps.json" -w '%{http_code}' "$API/v1/dumps")
        id=$(jq -r 'first(.. | objects | select(has("id")) | .id) // empty' "$OUT/dumps.json" 2> /dev/null)
        [ "$c" = 200 ] && [ -n "$id" ] && break
        i=$((i + 1)); [ $i -gt 60 ] && fail "GET /v1/dumps never listed a dump (HTTP $c: $(head -c 200 "$OUT/dumps.json" | tr '\n' ' '))"
        sleep 1
    done
    say dump-listed id=$id
    uid=$(jq -rn --arg v "$id" '$v | @uri')
    t0=$(now)
    c=$(curl -s -m 120 -H "Authorization: Bearer $T" -D "$OUT/download.headers" -o /tmp/downloaded.vmcore -w '%{http_code}' "$API/v1/dumps/$uid/vmcore")
    [ "$c" = 200 ] || fail "GET /v1/dumps/$uid/vmcore answered $c: $(head -c 200 /tmp/downloaded.vmcore | tr '\n' ' ')"
    say downloaded bytes=$(stat -c %s /tmp/downloaded.vmcore) secs=$(dt "$t0" "$(now)")
    f=$(find /kdump-out/crash -type f -name vmcore | head -1)
    [ -n "$f" ] || fail "no vmcore file under /kdump-out/crash"
    a=$(sha256sum < /tmp/downloaded.vmcore | cut -d' ' -f1); b=$(sha256sum < "$f" | cut -d' ' -f1)
    echo "downloaded $a" > "$OUT/sha256.txt"; echo "file $b $f" >> "$OUT/sha256.txt"
    [ "$a" = "$b" ] || fail "downloaded vmcore SHA-256 $a differs from the file's $b ($f)"
    daemon_stop
    finish
}
host_check() {
    local f a
    f=$(find "$SHARE/crash" -type f -name vmcore | head -1)
    [ -n "$f" ] || { HOST_REASON="no vmcore under the share's crash/"; return 1; }
    a=$(sha256sum < "$f" | cut -d' ' -f1)
    grep -q "^downloaded $a\$" "$SHARE/sha256.txt" || { HOST_REASON="the guest's download does not match the file's SHA-256 on the host"; return 1; }
    E2E_DETAIL="downloaded $(stat -c %s "$f") B, sha256 $a"
}
