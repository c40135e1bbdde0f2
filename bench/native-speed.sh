#!/usr/bin/env bash
# Speed and memory of the NativeAOT kdumpd, side by side with its peers in one run (issue 10):
#   guest (QEMU, tests/e2e scenario bench-arm; skip with --no-guest):
#     kdumpd load vs kexec -s -p, same kernel/initrd/command line        goal <= 1.2x
#     kdumpd run: exec -> kexec_crash_loaded=1, vs kexec -s -p           goal <= 1.5x
#   this machine:
#     kdumpd status / plan / dumps list: whole-process wall time and peak RSS (/usr/bin/time),
#     next to coredumpctl list when it is installed                       goal <= 30 ms, <= 30 MiB
#     daemon idle RSS (kdumpd run --sample, 5 s after /readyz)            goal <= 40 MiB
# Medians of RUNS runs (on this machine after a warm-up; in the guest RUNS rounds, the first of which hashes
# kernel and initrd for kdumpd as a first boot does). Run as root; one QEMU at a time on a shared machine
# (KDUMPD_QEMU_LOCK=FILE makes the e2e harness take that lock around QEMU).
#   bench/native-speed.sh [--no-guest] [--runs N] [--binary FILE]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
guest=1; runs=10; bin=""
while [ $# -gt 0 ]; do
    case $1 in
        --no-guest) guest=0; shift ;;
        --runs) runs=$2; shift 2 ;;
        --binary) bin=$2; shift 2 ;;
        *) echo "usage: $0 [--no-guest] [--runs N] [--binary FILE]" >&2; exit 2 ;;
    esac
done
[ -n "$bin" ] || bin=$(deploy/publish.sh | tail -1)
work=$(mktemp -d /var/tmp/kdumpd-bench.XXXXXX)
daemon=""
trap '[ -z "$daemon" ] || kill "$daemon" 2>/dev/null; rm -rf "$work"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN {print (v <= g ? "meets" : "MISSES")}'; }

# measure NAME CMD...: RUNS runs after one warm-up; sets WALL_MS and RSS_MIB (medians)
measure() {
    local name=$1 i; shift
    "$@" >/dev/null 2>&1 || true
    : >"$work/$name.times"
    for i in $(seq "$runs"); do
        /usr/bin/time -f '%e %M' -o "$work/$name.t" "$@" >/dev/null 2>&1 || true
        tail -1 "$work/$name.t" >>"$work/$name.times"
    done
    WALL_MS=$(awk '{print $1 * 1000}' "$work/$name.times" | median)
    RSS_MIB=$(awk '{printf "%.1f\n", $2 / 1024}' "$work/$name.times" | median)
}

echo "kdumpd: $bin ($(stat -c %s "$bin") bytes); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); $runs runs each, medians"
echo
echo "== this machine: whole-process wall time and peak RSS (/usr/bin/time -f '%e %M')"
host=$root/samples/host
db=$work/kdumpd.db
mkdir -p "$work/crash/202401020304"
cp tests/data/dumps/qemu-6.1-sysrq-vmcore-prefix.bin "$work/crash/202401020304/dump.202401020304"
KDUMPD__Capture__Initrd=distribution "$bin" load --loader dry-run --host-root "$host" --database "$db" >/dev/null # the sample tree has no mounts to build kdumpd's initrd from
"$bin" dumps rescan --dump-dir "$work/crash" --database "$db" >/dev/null
printf '%-44s %10s %10s %s\n' command "wall ms" "RSS MiB" "goal 30 ms / 30 MiB"
for verb in status plan "dumps list"; do
    case $verb in
        status) args=(status --host-root "$host" --database "$db") ;;
        plan) args=(plan --host-root "$host") ;;
        "dumps list") args=(dumps list --dump-dir "$work/crash" --database "$db") ;;
    esac
    measure "${verb// /-}" "$bin" "${args[@]}"
    printf '%-44s %10s %10s %s / %s\n' "kdumpd $verb" "$WALL_MS" "$RSS_MIB" "$(verdict "$WALL_MS" 30)" "$(verdict "$RSS_MIB" 30)"
done
if command -v coredumpctl >/dev/null 2>&1; then
    measure coredumpctl coredumpctl --no-pager list
    printf '%-44s %10s %10s %s\n' "coredumpctl list (peer)" "$WALL_MS" "$RSS_MIB" ""
else
    echo "(coredumpctl is not installed here: no peer row)"
fi

echo
echo "== daemon idle RSS (kdumpd run --sample; VmRSS 5 s after /readyz answered 200)"
port=$((20000 + RANDOM % 20000))
t0=$EPOCHREALTIME
TMPDIR=$work "$bin" run --sample --urls "http://127.0.0.1:$port" --database "$work/sample.db" >"$work/daemon.log" 2>&1 &
daemon=$!
ready=""
for _ in $(seq 400); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && { ready=1; break; }
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.01
done
ready_ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", (b-a)*1000}')
if [ -z "$ready" ]; then
    echo "kdumpd run --sample never answered /readyz 200 (a binary copied without its samples/ directory?):"; tail -5 "$work/daemon.log"
    exit 1
fi
sleep 5
idle=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$daemon/status")
kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=""
echo "exec -> /readyz 200: $ready_ms ms; idle RSS $idle MiB (goal <= 40 MiB: $(verdict "$idle" 40))"

[ "$guest" = 1 ] || exit 0
echo
echo "== e2e guest (QEMU): arming, kdumpd vs kexec -s -p (same kernel, initrd, command line)"
e2e_work=${E2E_WORK:-/var/tmp/kdumpd-e2e}
BENCH_RUNS=$runs KDUMPD_BINARY=$bin E2E_SCENARIOS=bench-arm bash tests/e2e/run.sh >"$work/e2e.log" 2>&1 || { tail -20 "$work/e2e.log"; exit 1; }
figures=$e2e_work/runs/bench-arm/share/bench.txt
fig() { awk -v n="$1" '$1 == "BENCH" && $2 == n {print $3}' "$figures" | median; }
kexec_s=$(fig kexec-s-p); load_s=$(fig kdumpd-load); armed_s=$(fig daemon-armed); ready_s=$(fig daemon-readyz)
guest_rss=$(awk '$2 == "daemon-idle-rss-kib" {printf "%.1f\n", $3 / 1024}' "$figures" | median)
runs_guest=$(grep -c '^BENCH kdumpd-load ' "$figures")
# paired NAME: the median over rounds of NAME / kexec-s-p in the same round (the guest's speed drifts between rounds)
paired() { awk -v n="$1" '$1 == "BENCH" && $2 == "kexec-s-p" {k[++i] = $3} $1 == "BENCH" && $2 == n {v[++j] = $3} END {for (r = 1; r <= j; r++) printf "%.4f\n", v[r] / k[r]}' "$figures" | median; }
echo "($runs_guest rounds; medians in seconds; x kexec = ratio of the medians, paired = median of each round's ratio; figures: $figures)"
printf '%-40s %8s %8s %8s %s\n' measure seconds "x kexec" paired goal
printf '%-40s %8s %8s\n' "kexec -s -p (peer)" "$kexec_s" 1.00
printf '%-40s %8s %8s %8.2f %s\n' "kdumpd load --loader kexec-file" "$load_s" "$(ratio "$load_s" "$kexec_s")" "$(paired kdumpd-load)" "<= 1.2x: $(verdict "$(ratio "$load_s" "$kexec_s")" 1.2)"
printf '%-40s %8s %8s %8.2f %s\n' "kdumpd run: exec -> armed" "$armed_s" "$(ratio "$armed_s" "$kexec_s")" "$(paired daemon-armed)" "<= 1.5x: $(verdict "$(ratio "$armed_s" "$kexec_s")" 1.5)"
printf '%-40s %8s %8s %8.2f\n' "kdumpd run: exec -> /readyz 200" "$ready_s" "$(ratio "$ready_s" "$kexec_s")" "$(paired daemon-readyz)"
echo "daemon RSS in the guest once ready: $guest_rss MiB"
