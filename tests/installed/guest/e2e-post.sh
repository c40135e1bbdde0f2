#!/bin/sh
# The boot after the capture (tests/installed): record what the installed tool shows of the dump
# (kdumpd: CLI list, API list, a download through the API with its SHA-256), then power off.
set -u
out=/var/lib/kdumpd-e2e
mode=$(cat /etc/kdumpd-e2e/mode)
say() { echo "KDE2E: $*" > /dev/ttyS0 2>/dev/null || true; echo "$*" >> "$out/post.log"; }
say "boot after the capture: mode $mode (uptime $(cut -d' ' -f1 /proc/uptime))"
ls -lR --time-style=+%s /var/crash > "$out/var-crash.txt" 2>&1
# when each file under /var/crash was last written (the capture's end), epoch seconds with ns
find /var/crash -type f -exec stat -c '%.9Y %s %n' {} + > "$out/var-crash-mtimes.txt" 2>&1
if [ "$mode" = kdumpd ]; then
    token=$(cat /etc/kdumpd-e2e/token)
    n=0
    until curl -sf --max-time 10 http://127.0.0.1:5480/healthz > /dev/null 2>&1 || [ $n -ge 300 ]; do sleep 1; n=$((n + 1)); done
    n=0
    while [ $n -lt 120 ]; do
        curl -sS --max-time 30 -H "Authorization: Bearer $token" http://127.0.0.1:5480/v1/dumps > "$out/api-dumps.json" 2> "$out/api-dumps.err"
        [ "$(jq -r '(if type == "array" then . else (.items // .dumps // []) end) | length' "$out/api-dumps.json" 2>/dev/null)" -ge 1 ] 2>/dev/null && break
        sleep 2; n=$((n + 2))
    done
    kdumpd dumps list --format json > "$out/dumps-list.json" 2> "$out/dumps-list.err"
    id=$(jq -r '(if type == "array" then . else (.items // .dumps // []) end) | .[0].id // empty' "$out/api-dumps.json" 2>/dev/null)
    if [ -n "$id" ]; then
        curl -sS --max-time 30 -H "Authorization: Bearer $token" "http://127.0.0.1:5480/v1/dumps/$id" > "$out/api-dump.json" 2>&1
        curl -sS --max-time 600 -D "$out/download.headers" -o /var/tmp/download.vmcore -w '%{http_code}\n' \
            -H "Authorization: Bearer $token" "http://127.0.0.1:5480/v1/dumps/$id/vmcore" > "$out/download.status" 2> "$out/download.err"
        sha256sum /var/tmp/download.vmcore | cut -d' ' -f1 > "$out/download.sha256"
        stat -c %s /var/tmp/download.vmcore > "$out/download.size"
        rm -f /var/tmp/download.vmcore
    fi
    kdumpd status > "$out/status-post.txt" 2>&1
fi
journalctl --list-boots --no-pager > "$out/boots.txt" 2>&1
say "results recorded: powering off"
touch "$out/post-done"
sync
systemctl poweroff
