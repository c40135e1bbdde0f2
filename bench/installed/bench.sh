#!/usr/bin/env bash
# kdumpd side by side with Debian's kdump-tools on the same Debian 12 image (tests/installed):
# the same base tree, kernel, QEMU machine (TCG, 1 GiB, 2 CPUs) and crash (sysrq-c); one has
# kdumpd installed from its package, the other kdump-tools (USE_KDUMP=1, its own kdump initrd).
#
#   bench/installed/bench.sh [tool...]        tools: kdumpd kdump-tools (default both)
#   BENCH_SIZES="256M 128M 96M 160M 192M"     sizes to try, most informative first
#   BENCH_REUSE=1                             re-read the records of cycles already run, no QEMU
#   BENCH_WARM=0                              crash in the first boot (default: boot, arm, reboot, crash)
#
# For each tool: crashkernel=256M gives the timings; then the smallest size that still saves a
# complete dump is searched among the sizes (a size is not tried when a smaller one already saved
# a complete dump, or a larger one already failed). A size "saves a complete dump" when the dump
# file is on the disk after the reboot, is not marked incomplete, and covers System RAM outside the
# reservation (tests/installed/check-dump.py). Prints one row per tool and one per cycle.
# Boot → armed is measured twice: in the first boot of the fresh image (the tool builds what it
# builds on first use: kdumpd its capture initrd; kdump-tools built its initrd at install), and in
# the boot after it, a regular boot of a host with the tool installed, in which the crash comes.
# Every cycle is one QEMU run of 6-15 minutes under TCG.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/tests/installed/lib.sh"
cache=${KDUMPD_INSTALLED_CACHE:-/var/tmp/kdumpd-installed}
tools=${*:-kdumpd kdump-tools}
sizes=${BENCH_SIZES:-256M 128M 96M 160M 192M}
results=$cache/bench; mkdir -p "$results"
# cycles of earlier runs of the tools not named this time are kept (one tool per run is fine)
rows=$results/cycles.tsv; touch "$rows"; cp "$rows" "$rows.prev"
for tool in $tools; do awk -F'\t' -v t="$tool" '$1 != t' "$rows" > "$rows.tmp"; mv "$rows.tmp" "$rows"; done

mib() { echo "${1%M}"; }

# start_to_loaded OUT_DIR TOOL PREFIX: seconds from the tool's unit starting ("Starting ..." in the
# journal of the boot named by OUT_DIR/PREFIXboot-id) to kexec_crash_loaded=1 (PREFIXloaded-uptime):
# what the tool itself takes, whatever the kernel's and systemd's boot took before it.
start_to_loaded() {
    local out=$1 unit=kdump-tools.service prefix=${3:-} boot started loaded
    [ "$2" = kdumpd ] && unit=kdumpd.service
    boot=$(cat "$out/${prefix}boot-id" 2>/dev/null) && loaded=$(cat "$out/${prefix}loaded-uptime" 2>/dev/null) || { echo -; return; }
    started=$(journalctl -D "$out/journal" -b "$boot" -u "$unit" -o short-monotonic --no-pager 2>/dev/null \
        | grep -m1 "systemd\[1\]: Starting $unit" | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
    [ -n "$started" ] && awk -v a="$started" -v b="$loaded" 'BEGIN { printf "%.1f", b - a }' || echo -
}

# one_cycle TOOL SIZE -> appends "tool size outcome loaded armed panic_to_saved bytes qemu-seconds
# first-boot-loaded first-boot-armed unit-start-to-loaded first-boot-unit-start-to-loaded note" to $rows
one_cycle() {
    local tool=$1 size=$2 img run out vm outcome note="" cov loaded armed p2s bytes
    run=$results/$tool-$size; out=$run/out
    if [ "${BENCH_REUSE:-0}" = 1 ] && [ -s "$run/serial.log" ] && [ -d "$out" ]; then
        ilog "bench: $tool at crashkernel=$size: reusing the records of $run (BENCH_REUSE=1)"
        CYCLE_SECONDS=$(awk -F'\t' -v t="$tool" -v s="$size" '$1 == t && $2 == s { print $8 }' "$rows.prev" 2>/dev/null | tail -1)
        CYCLE_SECONDS=${CYCLE_SECONDS:-?}
    else
        img=$(bash "$root/tests/installed/image.sh" "$tool" | tail -1) || { echo "image build failed for $tool" >&2; return 1; }
        ilog "bench: $tool at crashkernel=$size"
        cycle "$img" "$run" "$size" "$([ "${BENCH_WARM:-1}" = 0 ] || echo kdumpd_e2e.warm=1)"
    fi
    loaded=$(cat "$out/loaded-uptime" 2>/dev/null || echo -); armed=$(cat "$out/armed-uptime" 2>/dev/null || echo -)
    first_loaded=$(cat "$out/first-boot-loaded-uptime" 2>/dev/null || echo -); first_armed=$(cat "$out/first-boot-armed-uptime" 2>/dev/null || echo -)
    own=$(start_to_loaded "$out" "$tool"); first_own=$(start_to_loaded "$out" "$tool" first-boot-)
    p2s=-; bytes=-
    if [ -f "$out/first-failed" ] || [ "$armed" = - ]; then
        outcome=not-armed; note=$(tr '\n' ' ' < "$out/status.txt" 2>/dev/null | cut -c1-100)
    else
        vm=$(dump_file "$out")
        problem=$(capture_problem "$run")
        if [ -z "$vm" ]; then
            outcome=no-dump; note="no dump file; last: $(last_marker "$run")"
            grep -a -q -m1 'deadlocked on memory\|Out of memory\|Kernel panic' "${CAPTURE_LOG:-/dev/null}" 2>/dev/null \
                && note="capture kernel: $(grep -a -m1 -o 'System is deadlocked on memory\|Out of memory[^,]*\|Kernel panic - not syncing: [^\r]*' "$CAPTURE_LOG" | cut -c1-80)"
        else
            cov=$(python3 "$root/tests/installed/check-dump.py" "$vm" --iomem "$out/iomem")
            bytes=$(stat -c %s "$vm"); p2s=$(panic_to_saved "$out" "$vm" || echo -)
            if [ "${cov#ok: }" != "$cov" ]; then outcome=complete; else outcome=incomplete; note=${cov#bad: }; fi
        fi
        [ -z "$problem" ] || note="${note:+$note; }${problem:0:90}"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$size" "$outcome" "$loaded" "$armed" "$p2s" "$bytes" "$CYCLE_SECONDS" \
        "$first_loaded" "$first_armed" "$own" "$first_own" "$note" | tee -a "$rows" >&2
}

for tool in $tools; do
    ok_min=""; fail_max=""
    for s in $sizes; do
        # skip what the results so far already decide
        if [ -n "$ok_min" ] && [ "$(mib "$s")" -gt "$(mib "$ok_min")" ] && [ "$s" != 256M ]; then continue; fi
        if [ -n "$fail_max" ] && [ "$(mib "$s")" -lt "$(mib "$fail_max")" ]; then continue; fi
        one_cycle "$tool" "$s" || break
        if [ "$(tail -1 "$rows" | cut -f3)" = complete ]; then
            [ -z "$ok_min" ] || [ "$(mib "$s")" -lt "$(mib "$ok_min")" ] && ok_min=$s
        else
            [ -z "$fail_max" ] || [ "$(mib "$s")" -gt "$(mib "$fail_max")" ] && fail_max=$s
        fi
    done
done

# kdumpd's own reservation check on the same image, as the unit made it in the first boot: the
# "reservation" line of `kdumpd status` (its figures count the capture kernel and kdumpd's initrd;
# `kdumpd plan` alone, given no capture kernel, counts header and working memory only)
need=$(for f in "$results"/kdumpd-[0-9]*M/out/status.txt; do
           [ -f "$f" ] || continue
           printf '%s: %s\n' "$(basename "$(dirname "$(dirname "$f")")")" \
               "$(grep -h -m1 -E '^ *(ok|FAIL) +reservation:' "$f" | tr -s ' ' | cut -c1-160)"
       done)
echo
echo "== kdumpd vs kdump-tools on the same Debian 12 image (QEMU TCG, 1 GiB, 2 CPUs; $(date -u +%F))"
printf '%-12s %-38s %-38s %-22s %-10s %s\n' tool "first boot → armed (uptime, s)" "boot → armed (uptime, s)" "panic → dump saved (s)" "dump size" "smallest complete crashkernel="
for tool in $(cut -f1 "$rows" | sort -u); do
    r=$(awk -F'\t' -v t="$tool" '$1 == t && $2 == "256M"' "$rows" | head -1)
    smallest=$(awk -F'\t' -v t="$tool" '$1 == t && $3 == "complete" { print $2 }' "$rows" | sort -n | head -1)
    failed=$(awk -F'\t' -v t="$tool" '$1 == t && $3 != "complete" { printf "%s%s(%s)", sep, $2, $3; sep=" " }' "$rows")
    # an upper bound only, unless a smaller size was tried and failed
    if [ -n "$smallest" ] && ! awk -F'\t' -v t="$tool" -v m="${smallest%M}" '$1 == t && $3 != "complete" && $2 + 0 < m + 0 { f = 1 } END { exit !f }' "$rows"; then
        smallest="≤$smallest (nothing smaller tried)"
    fi
    printf '%-12s %-38s %-38s %-22s %-10s %s\n' "$tool" "$(cut -f9 <<<"$r") loaded, $(cut -f10 <<<"$r") ready (unit +$(cut -f12 <<<"$r"))" \
        "$(cut -f4 <<<"$r") loaded, $(cut -f5 <<<"$r") ready (unit +$(cut -f11 <<<"$r"))" "$(cut -f6 <<<"$r")" \
        "$( b=$(cut -f7 <<<"$r"); [ "$b" = - ] || [ -z "$b" ] && echo - || echo "$((b / 1048576)) MiB")" "${smallest:-none}${failed:+; failed: $failed}"
done
echo "kdumpd's reservation check (kdumpd status in the first boot) on this image:"
echo "${need:-  not found in kdumpd status output}"
echo
echo "(unit +N: N seconds from the tool's unit starting to the panic kernel loaded, in that boot)"
echo
echo "cycles (tool size outcome loaded-uptime armed-uptime panic→saved bytes qemu-seconds first-boot-loaded first-boot-armed unit→loaded first-boot-unit→loaded note):"
cat "$rows"
