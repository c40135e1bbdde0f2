#!/usr/bin/env bash
# The installed-system end-to-end test: a Debian 12 disk image built from Debian packages
# (debootstrap; the Debian kernel and its own initrd; systemd), kdumpd installed with the README's
# operator command, booted in QEMU with crashkernel=256M, crashed with sysrq-c. No 9p root, no
# busybox init, no hand-called capture: the installed units do everything.
#
#   tests/installed/run.sh [variant...]     default: initramfs-tools dracut
#
# One line per variant: "E2E PASS installed-<variant>" or "E2E FAIL installed-<variant>: <reason>"
# (tests/run-all.sh counts them), plus "E2E TIME" lines. Checks, on the host after QEMU exits:
#   1. the unit armed the panic kernel at boot (`kdumpd status` exit 0; uptime recorded);
#   2. the capture ran in kdumpd's initrd: no systemd line on the serial console while the
#      capture kernel ran (from its "Linux version" to the next);
#   3. after the reboot the dump is listed complete by `kdumpd dumps list` and GET /v1/dumps,
#      downloads through the API with the SHA-256 of the file on the disk;
#   4. its PT_LOADs (readelf -l) or its memory bitmap cover the loaded core header's PT_LOADs.
# Images are cached (tests/installed/image.sh); runs are kept under $KDUMPD_INSTALLED_CACHE/runs.
# Needs root (debootstrap, chroot, mount --bind). Knobs: KDUMPD_INSTALLED_TIMEOUT (per QEMU run,
# default 1500 s), KDUMPD_QEMU_LOCK (flock file around every QEMU run), KDUMPD_INSTALLED_RECHECK=1
# (no QEMU: the host-side checks again on the last run's records).
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cache=${KDUMPD_INSTALLED_CACHE:-/var/tmp/kdumpd-installed}
variants=${*:-initramfs-tools dracut}

for p in debootstrap qemu-system-x86 e2fsprogs binutils python3; do
    dpkg -s "$p" > /dev/null 2>&1 || missing="${missing:-} $p"
done
if [ -n "${missing:-}" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing > /dev/null
fi

npass=0; nfail=0
result() {   # result NAME PASS|FAIL [reason]
    if [ "$2" = PASS ]; then echo "E2E PASS $1"; npass=$((npass + 1))
    else echo "E2E FAIL $1: $3"; nfail=$((nfail + 1)); fi
}

check_variant() {   # check_variant RUN_DIR -> sets REASON (empty = pass) and DETAIL
    local run=$1 out=$1/out problem vm cov
    REASON=""; DETAIL="QEMU ${CYCLE_SECONDS} s"
    if [ -f "$out/first-failed" ]; then
        REASON="kdumpd never reported armed in the first boot: $(tr '\n' ' ' < "$out/status.txt" | cut -c1-200)"; return
    fi
    if [ ! -f "$out/armed-uptime" ]; then
        REASON="the first boot did not report armed (QEMU rc $QEMU_RC; last guest marker: $(last_marker "$run"))"; return
    fi
    DETAIL="$DETAIL, armed at uptime $(cat "$out/armed-uptime") s (kexec_crash_loaded at $(cat "$out/loaded-uptime" 2>/dev/null) s)"
    problem=$(capture_problem "$run")
    if [ -n "$problem" ]; then REASON=$problem; return; fi
    if [ ! -f "$out/post-done" ]; then
        REASON="the boot after the capture did not record its results (QEMU rc $QEMU_RC; last guest marker: $(last_marker "$run"))"; return
    fi
    problem=$(python3 "$INSTALLED_DIR/check-catalogue.py" "$out")
    if [ "${problem#ok: }" = "$problem" ]; then REASON=${problem#bad: }; return; fi
    vm=$(sed 's/^ok: \([^ ]*\) .*/\1/' <<<"$problem")
    if file -b "$out/elfcorehdr.bin" 2>/dev/null | grep -q '^ELF 64-bit.*core'; then
        cov=$(python3 "$INSTALLED_DIR/check-dump.py" "$vm" --elfcorehdr "$out/elfcorehdr.bin")
    else
        REASON="GET /v1/plan/elfcorehdr before the crash did not return the loaded ELF core header ($(head -c 120 "$out/elfcorehdr.bin" 2>/dev/null | tr -cd '[:print:]'))"; return
    fi
    if [ "${cov#ok: }" = "$cov" ]; then REASON=${cov#bad: }; return; fi
    DETAIL="$DETAIL, panic to dump saved $(panic_to_saved "$out" "$vm" || echo '?') s, dump $(stat -c %s "$vm") bytes, $cov"
}

for v in $variants; do
    name=installed-$v
    case $v in initramfs-tools) image_variant=kdumpd ;; dracut) image_variant=kdumpd-dracut ;;
        *) result "$name" FAIL "unknown variant (known: initramfs-tools dracut)"; continue ;; esac
    t0=$SECONDS
    mkdir -p "$cache/runs"
    run=$cache/runs/$v
    if [ "${KDUMPD_INSTALLED_RECHECK:-0}" = 1 ] && [ -f "$run/serial.log" ]; then
        # only the host-side checks, on the records of the last run (harness development)
        QEMU_RC=recheck; CYCLE_SECONDS=?
        check_variant "$run"
        echo "E2E TIME $name: $DETAIL"
        if [ -z "$REASON" ]; then result "$name" PASS; else result "$name" FAIL "$REASON (serial: $run/serial.log)"; fi
        continue
    fi
    if ! img=$(bash "$INSTALLED_DIR/image.sh" "$image_variant" 2> >(tee "$cache/runs/$v-image.log" >&2) | tail -1) || [ ! -s "$img/disk.img" ]; then
        result "$name" FAIL "the image could not be built: $(grep -v '^installed: ' "$cache/runs/$v-image.log" | tail -1 | cut -c1-200) (log: $cache/runs/$v-image.log)"
        continue
    fi
    echo "E2E TIME $name: image ready in $((SECONDS - t0)) s ($img)"
    ilog "$name: booting $img (crashkernel=256M, timeout ${CYCLE_TIMEOUT}s)"
    cycle "$img" "$run" 256M
    check_variant "$run"
    echo "E2E TIME $name: $DETAIL"
    if [ -z "$REASON" ]; then result "$name" PASS; else result "$name" FAIL "$REASON (serial: $run/serial.log)"; fi
done
echo "E2E SUMMARY: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
