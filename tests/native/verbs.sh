#!/usr/bin/env bash
# Runs every verb of the NativeAOT kdumpd binary (what the package and the e2e guests ship) on the
# built-in sample host and scratch directories: nothing on this machine is touched.
#   tests/native/verbs.sh [BINARY]      (default: publish with deploy/publish.sh)
# One line per check, "NATIVE PASS name" or "NATIVE FAIL name: why" (tests/run-all.sh counts them).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bin=${1:-}
if [ -z "$bin" ]; then
    bin=$(deploy/publish.sh | tail -1) || { echo "NATIVE FAIL publish: deploy/publish.sh failed"; exit 1; }
fi
work=$(mktemp -d)
daemon=""
cleanup() {
    [ -z "$daemon" ] || kill "$daemon" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
pass() { echo "NATIVE PASS $1"; }
fail() { echo "NATIVE FAIL $1: $2"; failures=$((failures + 1)); }

# expect NAME EXPECTED-EXIT-CODES COMMAND...: runs it, keeps stdout/stderr in $work/NAME.{out,err}
expect() {
    local name=$1 codes=$2; shift 2
    "$@" >"$work/$name.out" 2>"$work/$name.err"
    local rc=$?
    if [[ " $codes " == *" $rc "* ]]; then pass "$name"; return 0; fi
    fail "$name" "exit $rc (expected $codes): $(head -c 300 "$work/$name.err")"
    return 1
}
contains() { # contains NAME FILE TEXT
    if grep -q -- "$3" "$2"; then pass "$1"; else fail "$1" "'$3' not in $(basename "$2")"; fi
}

# The binary is self-contained: no .NET runtime, no managed assemblies, no SQLite library beside it.
if file -b "$bin" | grep -q 'ELF 64-bit'; then pass binary-is-elf; else fail binary-is-elf "$(file -b "$bin")"; fi
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
if [[ "$needed" =~ (coreclr|hostfxr|e_sqlite3|sqlite) ]]; then fail needs-only-libc "NEEDED: $needed"; else pass needs-only-libc; fi
if env -u DOTNET_ROOT PATH=/usr/bin:/bin "$bin" --version >"$work/version.out" 2>&1; then pass version; else fail version "$(cat "$work/version.out")"; fi

host=$root/samples/host
db=$work/kdumpd.db
expect plan-text 0 "$bin" plan --host-root "$host" && contains plan-text-names-fingerprint "$work/plan-text.out" "Fingerprint   sha256:"
if expect plan-json 0 "$bin" plan --host-root "$host" --format json; then
    python3 -m json.tool "$work/plan-json.out" >/dev/null 2>&1 && pass plan-json-parses || fail plan-json-parses "not JSON"
fi
# status before anything was loaded: not operational (3), with the reason, no crash
expect status-unarmed "0 3" "$bin" status --host-root "$host" --database "$db"
expect load-dry-run 0 env KDUMPD__Capture__Initrd=distribution "$bin" load --loader dry-run --host-root "$host" --database "$db"
if expect status-json "0 3" "$bin" status --host-root "$host" --database "$db" --format json; then
    python3 -m json.tool "$work/status-json.out" >/dev/null 2>&1 && pass status-json-parses || fail status-json-parses "not JSON"
fi
expect unload-dry-run 0 env KDUMPD__Capture__Initrd=distribution "$bin" unload --loader dry-run --host-root "$host" --database "$db"

# A foreign (kdump-tools layout) dump and one saved by kdumpd capture, both catalogued.
crash=$work/crash
mkdir -p "$crash/202401020304"
cp tests/data/dumps/qemu-6.1-sysrq-vmcore-prefix.bin "$crash/202401020304/dump.202401020304"
python3 - "$work/proc-vmcore" <<'EOF'
# A minimal ELF64 core: one PT_LOAD of 64 KiB (one data page, zeros elsewhere), as /proc/vmcore looks.
import struct, sys
load_size, offset = 1 << 16, 4096
ehdr = struct.pack('<16sHHIQQQIHHHHHH', b'\x7fELF\x02\x01\x01' + bytes(9), 4, 62, 1, 0, 64, 0, 0, 64, 56, 1, 64, 0, 0)
phdr = struct.pack('<IIQQQQQQ', 1, 7, offset, 0xffffffff81000000, 0x1000000, load_size, load_size, 4096)
data = bytearray(load_size); data[8192:8192 + 13] = b'kdumpd native'
with open(sys.argv[1], 'wb') as f:
    f.write(ehdr + phdr + bytes(offset - 120) + data)
EOF
expect capture-builtin 0 "$bin" capture --vmcore "$work/proc-vmcore" --dump-dir "$crash" --collector builtin --final-action stay --hostname native --generation 1
saved=$(find "$crash" -name kdumpd.json | head -1)
if [ -n "$saved" ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["complete"] and d["format_version"] == 1 else 1)' "$saved"; then
    pass capture-writes-kdumpd-json
else
    fail capture-writes-kdumpd-json "no complete kdumpd.json under $crash"
fi
expect dumps-rescan 0 "$bin" dumps rescan --dump-dir "$crash" --database "$db" --format json && contains dumps-rescan-found-two "$work/dumps-rescan.out" '"found": 2'
if expect dumps-list 0 "$bin" dumps list --dump-dir "$crash" --database "$db"; then
    rows=$(($(wc -l <"$work/dumps-list.out") - 1))
    [ "$rows" = 2 ] && pass dumps-list-two-rows || fail dumps-list-two-rows "$rows rows"
fi
if expect dumps-list-json 0 "$bin" dumps list --dump-dir "$crash" --database "$db" --format json; then
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$work/dumps-list-json.out" 2>/dev/null)
    if [ -n "$id" ]; then
        expect dumps-show 0 "$bin" dumps show "$id" --dump-dir "$crash" --database "$db" && contains dumps-show-names-id "$work/dumps-show.out" "$id"
    else
        fail dumps-list-json-parses "no id in the JSON list"
    fi
fi

config=$work/kdumpd.json
expect token-new 0 "$bin" token new --role operate --name native --config "$config" && contains token-hash-stored "$config" Sha256
token=$(tr -d '[:space:]' <"$work/token-new.out") # the secret alone on stdout

# The binary alone, without its sample tree (and none installed): run --sample says so and exits 1
# instead of retrying a missing /proc/iomem for ever.
if [ ! -e /usr/share/kdumpd/samples/host ]; then
    mkdir -p "$work/alone" && cp "$bin" "$work/alone/kdumpd"
    expect run-sample-without-tree 1 timeout 20 "$work/alone/kdumpd" run --sample --urls http://127.0.0.1:1 --database "$work/alone.db" &&
        contains run-sample-without-tree-says-why "$work/run-sample-without-tree.err" "sample host tree is missing"
else
    echo "NATIVE SKIP run-sample-without-tree: /usr/share/kdumpd/samples/host is installed here"
fi
# The daemon on the sample host: /readyz 200, the API answers with the token, reload works, SIGTERM exits 0.
port=$((20000 + RANDOM % 20000))
url=http://127.0.0.1:$port
TMPDIR=$work "$bin" run --sample --config "$config" --urls "$url" --database "$work/sample.db" --dump-dir "$crash" >"$work/run.out" 2>&1 &
daemon=$!
ready=""
for _ in $(seq 1 200); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" = 200 ]; then ready=1; break; fi
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.1
done
if [ -n "$ready" ]; then pass run-sample-readyz; else fail run-sample-readyz "no 200 from /readyz in 20 s: $(tail -5 "$work/run.out")"; fi
# Only the files kdumpd watches itself (the configuration's directory): no recursive inotify watch over the
# binary's directory (its samples/ tree here; /var/tmp or a 9p root elsewhere) delaying the first load.
watches=$(cat /proc/"$daemon"/fdinfo/* 2>/dev/null | grep -c '^inotify wd:' || true)
if [ "$watches" -le 3 ]; then pass run-watches-only-its-files; else fail run-watches-only-its-files "$watches inotify watches (the content root is watched recursively?)"; fi
code=$(curl -s -o "$work/status.json" -w '%{http_code}' -H "Authorization: Bearer $token" "$url/v1/status")
[ "$code" = 200 ] && python3 -m json.tool "$work/status.json" >/dev/null 2>&1 && pass api-status || fail api-status "HTTP $code"
code=$(curl -s -o "$work/dumps.json" -w '%{http_code}' -H "Authorization: Bearer $token" "$url/v1/dumps")
[ "$code" = 200 ] && grep -q native "$work/dumps.json" && pass api-dumps || fail api-dumps "HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/metrics")
[ "$code" = 200 ] && pass api-metrics || fail api-metrics "HTTP $code"
expect reload 0 "$bin" reload --url "$url" --token "$token"
# systemctl reload = SIGHUP: a token added by token new works without a restart, a token removed gets
# 401 from the next request, an invalid file is refused and the tokens in force stay.
if expect token-new-second 0 "$bin" token new --role read --name second --config "$config"; then
    second=$(tr -d '[:space:]' <"$work/token-new-second.out")
    kill -HUP "$daemon"
    code=""
    for _ in $(seq 1 50); do
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $second" "$url/v1/status")
        [ "$code" = 200 ] && break
        sleep 0.1
    done
    [ "$code" = 200 ] && pass sighup-adds-token || fail sighup-adds-token "HTTP $code after SIGHUP"
    python3 - "$config" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["Api"]["Tokens"] = [t for t in config["Api"]["Tokens"] if t["Name"] != "second"]
json.dump(config, open(path + ".new", "w"))
PY
    mv "$config.new" "$config"
    kill -HUP "$daemon"
    sleep 0.5
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $second" "$url/v1/status")
    [ "$code" = 401 ] && pass sighup-revokes-token || fail sighup-revokes-token "HTTP $code after SIGHUP"
    cp "$config" "$work/config.good"
    printf '{ "Api": { "Tokens": [' >"$config"
    kill -HUP "$daemon"
    sleep 0.5
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url/v1/status")
    [ "$code" = 200 ] && grep -q "refused.*$config:1:" "$work/run.out" && pass sighup-refuses-invalid-keeps-old \
        || fail sighup-refuses-invalid-keeps-old "HTTP $code; $(grep -i refused "$work/run.out" | tail -1)"
    cp "$work/config.good" "$config"
fi
kill -TERM "$daemon"
wait "$daemon"
rc=$?
daemon=""
[ "$rc" = 0 ] && pass run-sigterm-exits-0 || fail run-sigterm-exits-0 "exit $rc: $(tail -5 "$work/run.out")"

# Not root: each verb that needs root says so and the database is not created (run as nobody).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    chmod 0711 "$work"
    mkdir -p "$work/nobody" "$work/rootonly"
    install -m 0755 "$bin" "$work/nobody/kdumpd"
    chmod 0700 "$work/rootonly"
    as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$work/nobody/kdumpd" "$@"; }
    rootdb=$work/rootonly/kdumpd.db
    for verb in status "dumps list" load unload run; do
        case $verb in
            status) args=(status --host-root / --database "$rootdb") ;;
            "dumps list") args=(dumps list --dump-dir "$work/rootonly" --database "$rootdb") ;;
            load) args=(load --loader kexec-file --host-root / --database "$work/nobody.db") ;;
            unload) args=(unload --loader kexec-file --host-root / --database "$work/nobody.db") ;;
            run) args=(run --host-root / --database "$rootdb" --urls http://127.0.0.1:1) ;;
        esac
        name=not-root-${verb// /-}
        as_nobody "${args[@]}" >"$work/$name.out" 2>"$work/$name.err"
        rc=$?
        if [ "$rc" = 1 ] && grep -q 'needs root' "$work/$name.err"; then pass "$name-says-needs-root"; else fail "$name-says-needs-root" "exit $rc: $(head -c 300 "$work/$name.err")"; fi
    done
    if [ -z "$(ls -A "$work/rootonly")" ] && [ ! -e "$work/nobody.db" ]; then pass not-root-database-untouched; else fail not-root-database-untouched "$(ls -A "$work/rootonly") $(ls "$work"/nobody.db* 2>/dev/null)"; fi
else
    echo "not-root checks skipped: they need root (to become nobody) and setpriv"
fi

exit $((failures > 0))
