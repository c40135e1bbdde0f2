#!/usr/bin/env bash
# Load test of kdumpd's API on loopback (issue 6), printing the figures it measured:
#   phase 1: 200 concurrent clients (wrk) on /v1/status and /v1/dumps for DURATION seconds,
#            while 4 clients download a SIZE_GIB vmcore in a loop; throughput, p99, errors;
#            the daemon's RSS before and after.
#   phase 2: 4 parallel downloads of the same file from kdumpd and from nginx (sendfile on),
#            one after the other on an idle machine: the ratio kdumpd/nginx.
# Needs root for apt-get (wrk, nginx, curl). Everything listens on 127.0.0.1 only.
#   bench/load/api-load.sh [DURATION=60] [SIZE_GIB=2]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
duration=${1:-60}; size_gib=${2:-2}
work=${LOAD_WORK:-$root/artifacts/load}
port=5481; nginx_port=5482
pkgs=(); for p in wrk nginx-light curl; do dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p"); done
if ((${#pkgs[@]})); then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null; fi

rm -rf "$work"; mkdir -p "$work/crash/20261124T000000Z-loadtest" "$work/state"
dump=$work/crash/20261124T000000Z-loadtest
echo "building a ${size_gib} GiB vmcore (real ELF header + random pages) in $dump"
prefix=$(ls "$root"/../shared/fixtures/dumps/qemu-6.1-sysrq/vmcore-elf-prefix.bin 2>/dev/null || ls "${KDUMPD_FIXTURES:-/work/shared/fixtures}"/dumps/qemu-6.1-sysrq/vmcore-elf-prefix.bin)
{ cat "$prefix"; head -c $((size_gib * 1024 * 1024 * 1024 - $(stat -c %s "$prefix"))) /dev/urandom; } > "$dump/vmcore"
echo "Kernel panic - not syncing: load test" > "$dump/dmesg.txt"
sha=$(sha256sum "$dump/vmcore" | cut -d' ' -f1)

# the NativeAOT binary, as shipped (KDUMPD_BINARY: one already published)
kd=${KDUMPD_BINARY:-$("$root/deploy/publish.sh" --out "$work/kdumpd" | tail -1)}
token=$("$kd" token new --role download --name load --config "$work/kdumpd.json" 2>/dev/null)
"$kd" run --sample --config "$work/kdumpd.json" --dump-dir "$work/crash" --urls "http://127.0.0.1:$port" > "$work/daemon.log" 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
id=$(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/dumps" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -1)
[ -n "$id" ] || { echo "the dump was not catalogued"; cat "$work/daemon.log"; exit 1; }
url="http://127.0.0.1:$port/v1/dumps/$id/vmcore"
rss() { awk '/VmRSS/{print $2}' "/proc/$daemon/status"; }
rss0=$(rss)

download() { # N parallel downloads of URL with header; prints total MiB/s
    local n=$1 u=$2 auth=$3 t0 t1 i
    t0=$(date +%s.%N)
    for i in $(seq "$n"); do curl -fs ${auth:+-H "$auth"} -o /dev/null "$u" & done
    wait
    t1=$(date +%s.%N)
    awk -v n="$n" -v g="$size_gib" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", n*g*1024/(b-a)}'
}

echo "== phase 1: 200 clients for ${duration}s on /v1/status and /v1/dumps, 4 downloads looping"
end=$(( $(date +%s) + duration )); dl_count=0; dl_fail=0
( while [ "$(date +%s)" -lt "$end" ]; do
      for i in 1 2 3 4; do curl -fs -H "Authorization: Bearer $token" -o "$work/dl$i" "$url" & done; wait
      for i in 1 2 3 4; do [ "$(sha256sum "$work/dl$i" | cut -d' ' -f1)" = "$sha" ] && echo ok || echo bad; done
      rm -f "$work"/dl?
  done > "$work/downloads.txt" ) &
dl=$!
wrk -t1 -c100 -d"${duration}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/status" > "$work/wrk-status.txt" &
w1=$!
wrk -t1 -c100 -d"${duration}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/dumps" > "$work/wrk-dumps.txt" &
w2=$!
wait $w1 $w2 $dl
rss1=$(rss)
for f in status dumps; do
    r=$work/wrk-$f.txt
    echo "/v1/$f: $(awk '/Requests\/sec/{print $2}' "$r") req/s, p99 $(awk '$1=="99%"{print $2}' "$r"), errors: $(grep -E 'Non-2xx|Socket errors' "$r" | tr '\n' ' ' || true)"
    grep -q -E 'Non-2xx|Socket errors' "$r" && echo "  (errors above)" || echo "  0 errors"
done
echo "downloads during load: $(grep -c ok "$work/downloads.txt") complete with the right SHA-256, $(grep -c bad "$work/downloads.txt" || true) wrong"
echo "daemon RSS: before ${rss0} KiB, after ${rss1} KiB, growth $(( (rss1 - rss0) / 1024 )) MiB"

echo "== phase 2: 4 parallel downloads, kdumpd vs nginx (sendfile)"
cat > "$work/nginx.conf" <<NGINX
daemon on; pid $work/nginx.pid; error_log $work/nginx-error.log; worker_processes 2;
events { worker_connections 1024; }
http { sendfile on; tcp_nopush on; access_log off;
  server { listen 127.0.0.1:$nginx_port; root $work/crash; } }
NGINX
nginx -c "$work/nginx.conf"
sleep 0.5
cat "$dump/vmcore" > /dev/null  # both read from the page cache
k=$(download 4 "$url" "Authorization: Bearer $token"); k2=$(download 4 "$url" "Authorization: Bearer $token")
n=$(download 4 "http://127.0.0.1:$nginx_port/20261124T000000Z-loadtest/vmcore" ""); n2=$(download 4 "http://127.0.0.1:$nginx_port/20261124T000000Z-loadtest/vmcore" "")
kbest=$(( k > k2 ? k : k2 )); nbest=$(( n > n2 ? n : n2 ))
echo "kdumpd: ${kbest} MiB/s, nginx: ${nbest} MiB/s (best of 2), ratio $(awk -v a="$kbest" -v b="$nbest" 'BEGIN{printf "%.2f", a/b}')"
