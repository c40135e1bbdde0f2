#!/usr/bin/env bash
# make-fixtures.sh - real host-tree + kernel-header pairs for the planner tests,
# from QEMU/TCG guests (one VM at a time; ~45 s each):
#   qemu-6.1-1g-ck256-kt   1 GiB, crashkernel=256M, loaded with `kexec -c -p` (kexec_load)
#   qemu-6.1-1g-ck256-kf   the same with `kexec -s -p` (kexec_file_load)
#   qemu-6.1-hotplug-kf    -m 1G,slots=4,maxmem=4G, 512 MiB DIMM hot-added and onlined
#                          BEFORE the snapshot and the `kexec -s -p` load
# Each tree: the first kernel's files (as the shared fixtures, plus a 64 KiB prefix of
# /proc/kcore and the _text/_stext/_end lines of /proc/kallsyms) and kernel-header/
# (first 64 KiB of the capture kernel's /proc/vmcore, readelf -h -l of it, layout,
# capture-cmdline).  Usage: tests/e2e/make-fixtures.sh [kt] [kf] [hotplug]  (default all)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DEST=${FIXTURE_DEST:-$REPO/tests/data/hosts}
ensure_packages; get_kernel; build_initrd
rc=0
for which in "${@:-kt kf hotplug}"; do
  for w in $which; do
    case $w in
    kt) name=qemu-6.1-1g-ck256-kt; flag=-c; hp=0 ;;
    kf) name=qemu-6.1-1g-ck256-kf; flag=-s; hp=0 ;;
    hotplug) name=qemu-6.1-hotplug-kf; flag=-s; hp=1 ;;
    *) die "unknown fixture $w (kt, kf, hotplug)" ;;
    esac
    export FX_HOTPLUG=$hp
    log "fixture $name: kexec $flag -p, hotplug=$hp"
    run_vm "fixture-$w" "$E2E_DIR/fixtures/fixture.sh" "$(printf "FX_NAME='%s'\nFX_FLAG='%s'\nFX_HOTPLUG='%s'" "$name" "$flag" "$hp")"
    print_timings "fixture-$w"
    if [ "$QEMU_RC" != 0 ] || [ -f "$SHARE/state/failed" ] || [ ! -f "$SHARE/state/done" ] \
        || [ ! -s "$SHARE/tree/kernel-header/vmcore-head.bin" ]; then
        log "fixture $name FAILED: qemu rc=$QEMU_RC; $(cat "$SHARE/state/failed" 2> /dev/null || echo 'no reason recorded; see '"$LOGF")"
        rc=1; continue
    fi
    {
        echo "qemu: $(qemu-system-x86_64 --version | head -1), -accel $ACCEL -cpu max -m $VM_MEM -smp $VM_SMP"
        echo "kernel command line: console=ttyS0 crashkernel=$VM_CRASHKERNEL panic=1"
        echo "kexec-tools: $(kexec --version 2>&1 | head -1)"
        [ "$hp" = 1 ] && echo "hotplug: 512 MiB pc-dimm hot-added through QMP (object-add memory-backend-ram + device_add pc-dimm) and its blocks onlined before the tree was taken"
        echo "made by: tests/e2e/make-fixtures.sh $w ($(date -u +%FT%TZ))"
    } >> "$SHARE/tree/_fixture.txt"
    rm -rf "${DEST:?}/$name"; cp -r "$SHARE/tree" "$DEST/$name"
    log "fixture $name -> $DEST/$name ($(du -sh "$DEST/$name" | cut -f1), $(find "$DEST/$name" -type f | wc -l) files)"
  done
done
exit $rc
