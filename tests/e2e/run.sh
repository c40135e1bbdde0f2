#!/usr/bin/env bash
# run.sh - kdumpd's end-to-end tests: real kdump cycles in QEMU/TCG.
#
#   tests/e2e/run.sh [scenario...]        default: all, in the order below
#   E2E_SCENARIOS="a b" tests/e2e/run.sh  the variable, when set, overrides the list
#
# Each scenario prints exactly one line "E2E PASS <name>" or "E2E FAIL <name>: <reason>"
# (tests/run-all.sh counts them), plus "E2E TIME" lines.  Knobs: E2E_WORK (default
# /var/tmp/kdumpd-e2e, cached: kernel, initramfs; never under /tmp, which the guest cannot see),
# ACCEL=tcg, QEMU_TIMEOUT=600 (per VM; a loaded 2-core machine needed more than 300 s for the 9p-heavy scenarios),
# KDUMPD_QEMU_LOCK (flock file around every QEMU run, for a machine shared with other QEMU users).
# Needs root (apt-get for missing tools; QEMU reads / for the guest's 9p root).
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL="hotplug-stale-control load-kexec-file load-kexec-tools reservation-too-small daemon-api hotplug-reload capture-initrd capture-initrd-target-missing capture-initrd-target-full capture-initrd-target-unmountable capture-initrd-target-encrypted capture-initrd-panic capture-initrd-makedumpfile-fails load-kexec-file-6.12 load-kexec-tools-6.12 crash-hung-task crash-oom"
SCENARIOS=${E2E_SCENARIOS:-${*:-$ALL}}

# scenario_def NAME -> SFILE (tests/e2e/scenarios/), SCFG (config for host and guest), NEEDS_KDUMPD,
# SKERNEL (a kernel package other than the run's, see get_kernel)
scenario_def() {
    NEEDS_KDUMPD=1; NEEDS_NATIVE=0; SCFG=""; SKERNEL=""
    case $1 in
    hotplug-stale-control) SFILE=hotplug.sh; SCFG="HP_MODE=stale"; NEEDS_KDUMPD=0 ;;
    hotplug-reload)        SFILE=hotplug.sh; SCFG="HP_MODE=reload" ;;
    load-kexec-file)       SFILE=load.sh; SCFG="LOADER=kexec-file COLLECTOR=makedumpfile" ;;
    load-kexec-tools)      SFILE=load.sh; SCFG="LOADER=kexec-tools COLLECTOR=builtin" ;;
    load-kexec-file-6.12)  SFILE=load.sh; SCFG="LOADER=kexec-file COLLECTOR=makedumpfile"; SKERNEL=${E2E_KERNEL_612:-linux-image-6.12-amd64} ;;
    load-kexec-tools-6.12) SFILE=load.sh; SCFG="LOADER=kexec-tools COLLECTOR=builtin"; SKERNEL=${E2E_KERNEL_612:-linux-image-6.12-amd64} ;;
    crash-hung-task)       SFILE=crash.sh; SCFG="CRASH=hung-task CRASH_TITLE='INFO: task hung in mnt_want_write'" ;;
    crash-oom)             SFILE=crash.sh; SCFG="CRASH=oom CRASH_TITLE='Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled'" ;;
    reservation-too-small) SFILE=reservation.sh ;;
    daemon-api)            SFILE=daemon-api.sh ;;
    capture-initrd)        SFILE=initrd.sh; SCFG="VM_CRASHKERNEL=${E2E_INITRD_CRASHKERNEL:-256M} INITRD_FORCE=${E2E_INITRD_FORCE:-0} INITRD_APPEND='${E2E_INITRD_APPEND:-}' FAULT="; NEEDS_NATIVE=1 ;;
    # issue 11's capture faults: the target broken after arming, before the panic (scenarios/initrd.sh)
    capture-initrd-target-missing|capture-initrd-target-full|capture-initrd-target-unmountable|capture-initrd-target-encrypted|capture-initrd-panic)
                           SFILE=initrd.sh; SCFG="VM_CRASHKERNEL=256M INITRD_FORCE=0 INITRD_APPEND='' FAULT=${1##*-}"; NEEDS_NATIVE=1 ;;
    # issue 11: makedumpfile fails in kdumpd's initrd (an option it does not know) -> the built-in writer saves the dump
    capture-initrd-makedumpfile-fails)
                           SFILE=initrd.sh; SCFG="VM_CRASHKERNEL=256M INITRD_FORCE=0 INITRD_APPEND='' FAULT= MAKEDUMPFILE_FAILS=1"; NEEDS_NATIVE=1 ;;
    bench-arm)             SFILE=bench-arm.sh ;;   # bench/native-speed.sh, not in ALL
    *) return 1 ;;
    esac
}

# a setup failure fails every selected scenario, each with its own line
die() {
    log "FATAL: $*"
    for s in $SCENARIOS; do echo "E2E FAIL $s: harness setup failed: $*"; done
    exit 1
}

npass=0; nfail=0
result() {   # result NAME PASS|FAIL [reason]
    if [ "$2" = PASS ]; then echo "E2E PASS $1"; npass=$((npass + 1))
    else echo "E2E FAIL $1: $3"; nfail=$((nfail + 1)); fi
}

run_scenario() {
    local n=$1 reason="" t0=$EPOCHREALTIME last
    scenario_def "$n" || { result "$n" FAIL "unknown scenario (known: $ALL)"; return; }
    if [ "$NEEDS_KDUMPD" = 1 ] && [ "$KDUMPD_OK" != 1 ]; then
        result "$n" FAIL "kdumpd could not be published (deploy/publish.sh failed, see $WORK/publish.log)"; return
    fi
    log "scenario $n: ${SCFG:-default}"
    HOST_REASON=""; E2E_DETAIL=""
    if [ -n "$SKERNEL" ]; then get_kernel "$SKERNEL"; build_initrd; log "scenario $n: kernel $KVER"; fi
    run_vm "$n" "$E2E_DIR/scenarios/$SFILE" "$SCFG"
    print_timings "$n"
    last=$(grep 'KDVM: ' "$LOGF" | grep -v 'KDVM: FAIL' | tail -1 | cut -d' ' -f2- | cut -c1-120)
    if [ -f "$SHARE/state/failed" ]; then
        reason=$(head -1 "$SHARE/state/failed")
    elif [ "$QEMU_RC" = 124 ] || [ "$QEMU_RC" = 137 ]; then
        reason="QEMU timed out after ${QEMU_TIMEOUT}s (last guest marker: $last)"
    elif [ "$QEMU_RC" != 0 ]; then
        reason="QEMU exited $QEMU_RC: $(grep -m1 'qemu-system' "$LOGF" | cut -d' ' -f2- | cut -c1-150)"
    elif [ ! -f "$SHARE/state/done" ]; then
        reason="the guest did not finish the scenario (last guest marker: $last)"
    elif declare -F host_check > /dev/null && ! host_check; then
        reason=${HOST_REASON:-host-side check failed}
    fi
    if [ -n "$SKERNEL" ]; then get_kernel; build_initrd; fi   # back to the run's kernel
    echo "E2E TIME $n: scenario wall time $(dt "$t0" "$EPOCHREALTIME") s${E2E_DETAIL:+ ($E2E_DETAIL)}"
    if [ -z "$reason" ]; then result "$n" PASS; else result "$n" FAIL "$reason (console: $LOGF)"; fi
}

log "e2e: scenarios: $SCENARIOS; work: $WORK; accel: $ACCEL"
ensure_packages
get_kernel
build_initrd
log "kernel $KVER; $(qemu-system-x86_64 --version | head -1); $(kexec --version 2>&1 | head -1); makedumpfile $(makedumpfile -v 2>&1 | grep -o '[0-9]\.[0-9.]*' | head -1)"
KDUMPD_OK=0
if [ -n "${E2E_KDUMPD:-}" ]; then
    # harness self-test only (tests/e2e/selftest/): results say nothing about kdumpd
    KDUMPD=$E2E_KDUMPD; KDUMPD_OK=1
    log "E2E_KDUMPD: the scenarios run $KDUMPD instead of the published kdumpd"
else
    for s in $SCENARIOS; do
        if scenario_def "$s" && [ "$NEEDS_KDUMPD" = 1 ]; then publish_kdumpd; break; fi
    done
fi
for s in $SCENARIOS; do
    if scenario_def "$s" && [ "$NEEDS_NATIVE" = 1 ]; then
        # the published kdumpd is NativeAOT: it is also the capture initrd's /init (E2E_KDUMPD_NATIVE overrides)
        KDUMPD_NATIVE=${E2E_KDUMPD_NATIVE:-${KDUMPD:-}}
        break
    fi
done
for s in $SCENARIOS; do run_scenario "$s"; done
echo "E2E SUMMARY: $npass passed, $nfail failed, wall time $(dt "$T_SCRIPT0" "$EPOCHREALTIME") s${E2E_KDUMPD:+ (kdumpd replaced by $E2E_KDUMPD)}"
[ "$nfail" = 0 ]
