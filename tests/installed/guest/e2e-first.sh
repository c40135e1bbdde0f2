#!/bin/sh
# First boot of the installed-system test image (tests/installed): wait until the dump tool has
# armed the panic kernel, record when, then crash the machine with sysrq-c. Runs once: the flag
# file written before the crash keeps it from running again in any later boot.
# /etc/kdumpd-e2e/mode says which tool is installed: kdumpd or kdump-tools.
# With kdumpd_e2e.warm=1 on the kernel command line (bench/installed/bench.sh), the first boot
# records its arming as first-boot-*-uptime and reboots: the crash comes in the second boot, a
# regular boot of a host where the tool was installed before (what every later boot of a fleet
# host is), while the first boot of a fresh image builds whatever the tool builds on first use.
set -u
out=/var/lib/kdumpd-e2e
mkdir -p "$out"
mode=$(cat /etc/kdumpd-e2e/mode)
say() { echo "KDE2E: $*" > /dev/ttyS0 2>/dev/null || true; echo "$*" >> "$out/first.log"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
warm=""
grep -qw 'kdumpd_e2e.warm=1' /proc/cmdline && [ ! -f "$out/warm-booted" ] && warm=1
say "first boot${warm:+ (warm-up, reboots once armed)}: mode $mode, waiting for the panic kernel (uptime $(uptime_s))"
cat /proc/cmdline > "$out/cmdline"
tr -d - < /proc/sys/kernel/random/boot_id > "$out/boot-id"   # names this boot in the journal
cat /proc/iomem > "$out/iomem"            # as root: real addresses

armed=""; status_ok=""; deadline=$(( $(cut -d. -f1 /proc/uptime) + ${KDE2E_ARM_TIMEOUT:-600} ))
while [ "$(cut -d. -f1 /proc/uptime)" -lt "$deadline" ]; do
    if [ -z "$armed" ] && [ "$(cat /sys/kernel/kexec_crash_loaded 2>/dev/null)" = 1 ]; then
        armed=$(uptime_s); echo "$armed" > "$out/loaded-uptime"; say "kexec_crash_loaded=1 at uptime $armed"
    fi
    if [ -z "$armed" ]; then
        # the tool's service has finished its start (kdumpd: READY or failed; kdump-tools: its
        # oneshot ran) and nothing is loaded: give it a grace period, then report it unarmed
        case $mode in kdumpd) unit=kdumpd.service ;; *) unit=kdump-tools.service ;; esac
        state=$(systemctl show -P ActiveState "$unit" 2>/dev/null)
        if [ "$state" = active ] || [ "$state" = failed ]; then
            settled=${settled:-$(cut -d. -f1 /proc/uptime)}
            [ $(( $(cut -d. -f1 /proc/uptime) - settled )) -ge ${KDE2E_SETTLE:-180} ] && break
        fi
    fi
    if [ -n "$armed" ]; then
        case $mode in
        kdumpd)      kdumpd status > "$out/status.txt" 2>&1 && { status_ok=$(uptime_s); break; } ;;
        kdump-tools) kdump-config status > "$out/status.txt" 2>&1; grep -q 'ready to kdump' "$out/status.txt" && { status_ok=$(uptime_s); break; } ;;
        esac
    fi
    sleep 0.2
done
if [ -z "$status_ok" ]; then
    case $mode in kdumpd) kdumpd status > "$out/status.txt" 2>&1 ;; kdump-tools) kdump-config status > "$out/status.txt" 2>&1 ;; esac
fi
if [ -z "$status_ok" ]; then
    say "NOT ARMED after ${KDE2E_ARM_TIMEOUT:-600} s: $(tr '\n' ' ' < "$out/status.txt" | cut -c1-300)"
    echo "not armed" > "$out/first-failed"
    [ "$mode" != kdumpd ] || kdumpd plan > "$out/plan-cli.txt" 2>&1
    journalctl -b --no-pager > "$out/journal-first.txt" 2>&1
    sync; systemctl poweroff; exit 0
fi
echo "$status_ok" > "$out/armed-uptime"
say "armed: status ok at uptime $status_ok"
if [ -n "$warm" ]; then
    mv "$out/loaded-uptime" "$out/first-boot-loaded-uptime"; mv "$out/armed-uptime" "$out/first-boot-armed-uptime"
    mv "$out/status.txt" "$out/first-boot-status.txt"; mv "$out/boot-id" "$out/first-boot-boot-id"
    touch "$out/warm-booted"
    say "warm-up boot armed; rebooting to measure a regular boot"
    sync; systemctl reboot; exit 0
fi

if [ "$mode" = kdumpd ]; then
    token=$(cat /etc/kdumpd-e2e/token)
    api() { curl -sS --max-time 30 -H "Authorization: Bearer $token" "http://127.0.0.1:5480$1"; }
    kdumpd status --format json > "$out/status.json" 2>&1
    kdumpd plan > "$out/plan-cli.txt" 2>&1
    api /v1/status > "$out/api-status.json" 2>&1
    api /v1/plan > "$out/api-plan.json" 2>&1
    api /v1/plan/elfcorehdr > "$out/elfcorehdr.bin" 2>/dev/null
    api /v1/generations > "$out/api-generations.json" 2>&1
else
    kdump-config show > "$out/kdump-config-show.txt" 2>&1
fi
cat /sys/kernel/kexec_crash_size > "$out/kexec_crash_size" 2>/dev/null
touch "$out/crashed"
journalctl --flush 2>/dev/null
sync
say "crashing now (sysrq-c)"
date +%s.%N > "$out/panic-epoch"
sync
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
