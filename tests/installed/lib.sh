# Shared by tests/installed/run.sh and bench/installed/bench.sh: one QEMU cycle of an installed
# image (first boot → panic → capture → the boot after → poweroff) and reading its results.
# shellcheck shell=bash

INSTALLED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QEMU_LOCK=${KDUMPD_QEMU_LOCK:-$( [ -d /work ] && [ -w /work ] && echo /work/.qemu.lock || echo /var/tmp/kdumpd-qemu.lock)}
CYCLE_TIMEOUT=${KDUMPD_INSTALLED_TIMEOUT:-1500}
# systemd's own console lines: none of them may appear while the capture kernel runs
SYSTEMD_MARKERS='systemd\[1\]|systemd [0-9]+ running in system mode|Welcome to .*Debian|Reached target|\[  OK  \] |Started .*\.service'

ilog() { echo "installed: $*" >&2; }

# cycle IMAGE_DIR RUN_DIR CRASHKERNEL [EXTRA_CMDLINE]: boots a fresh copy of the image once (QEMU reboots by
# itself after the capture; the guest powers off when it has recorded its results), then copies
# the guest's results to RUN_DIR/out. Sets QEMU_RC and CYCLE_SECONDS.
cycle() {
    local img=$1 run=$2 ck=$3 extra=${4:-} t0=$SECONDS
    rm -rf "$run"; mkdir -p "$run/out"
    cp --sparse=always "$img/disk.img" "$run/disk.img"
    # the clock starts when the lock is ours (another VM may hold it for a while)
    flock "$QEMU_LOCK" sh -c 'date +%s > "$0/qemu.start"; exec "$@"' "$run" \
        timeout -k 10 "$CYCLE_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 2 \
        -display none -nic none -serial "file:$run/serial.log" \
        -drive "file=$run/disk.img,if=virtio,format=raw" \
        -kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
        -append "root=/dev/vda ro console=ttyS0 crashkernel=$ck panic=1${extra:+ $extra}" > "$run/qemu.log" 2>&1
    QEMU_RC=$?
    CYCLE_SECONDS=$(( $(date +%s) - $(cat "$run/qemu.start" 2>/dev/null || echo $(( $(date +%s) - SECONDS + t0 ))) ))
    read_results "$run"
    return 0
}

# read_results RUN_DIR: the guest's records, its /var/crash and journals from RUN_DIR/disk.img
read_results() {
    local run=$1
    mkdir -p "$run/out"
    # rdump copies the directory itself: the records land in out/kdumpd-e2e, moved up to out/
    debugfs -R "rdump /var/lib/kdumpd-e2e $run/out" "$run/disk.img" > /dev/null 2>&1
    [ ! -d "$run/out/kdumpd-e2e" ] || { mv "$run/out/kdumpd-e2e"/* "$run/out/" 2>/dev/null; rmdir "$run/out/kdumpd-e2e"; }
    debugfs -R "rdump /var/crash $run/out" "$run/disk.img" > /dev/null 2>&1
    debugfs -R "rdump /var/log/journal $run/out" "$run/disk.img" > /dev/null 2>&1
    return 0
}

# boot_segments RUN_DIR: splits serial.log into RUN_DIR/boot-N.log at each "Linux version" line
# and names the capture kernel's boot (the one whose command line has elfcorehdr=) in CAPTURE_LOG.
boot_segments() {
    local run=$1 f
    rm -f "$run"/boot-*.log
    awk -v d="$run" '/Linux version [0-9]/ { n++ } { if (n) print > (d "/boot-" n ".log") }' "$run/serial.log"
    CAPTURE_LOG=""
    for f in $(ls "$run"/boot-*.log 2>/dev/null | sort -V); do
        if grep -q 'Command line:.*elfcorehdr=' "$f"; then CAPTURE_LOG=$f; break; fi
    done
}

# last_marker RUN_DIR: the guest's last "KDE2E:" line (or the serial log's last line)
last_marker() {
    local m
    m=$(grep -a 'KDE2E: ' "$1/serial.log" 2>/dev/null | tail -1 | sed 's/.*KDE2E: //')
    [ -n "$m" ] || m="serial: $(tail -1 "$1/serial.log" 2>/dev/null | tr -d '\r')"
    echo "${m:0:160}"
}

# dump_file OUT_DIR: the saved dump under OUT_DIR/crash (kdumpd: vmcore; kdump-tools: dump.*)
dump_file() {
    find "$1/crash" -type f \( -name 'vmcore' -o -name 'vmcore.*' -o -name 'dump.[0-9]*' \) ! -name '*.json' 2>/dev/null | sort | head -1
}

# panic_to_saved OUT_DIR FILE: seconds from the recorded panic (guest clock) to the dump file's
# last write (the capture kernel's clock starts from the same RTC), one decimal
panic_to_saved() {
    local rel=${2#"$1"/} p m
    p=$(cat "$1/panic-epoch" 2>/dev/null) || return 1
    m=$(grep " /var/${rel}\$" "$1/var-crash-mtimes.txt" 2>/dev/null | head -1 | cut -d' ' -f1)
    [ -n "$m" ] && [ -n "$p" ] || return 1
    awk -v p="$p" -v m="$m" 'BEGIN { printf "%.1f", m - p }'
}

# capture_runs_in_initrd RUN_DIR: empty, or why the capture did not run in a small initrd
capture_problem() {
    local run=$1 hit
    boot_segments "$run"
    if [ -z "$CAPTURE_LOG" ]; then
        echo "no capture kernel booted after the panic (no boot with elfcorehdr= on its command line in $run/serial.log)"
        return
    fi
    hit=$(grep -a -m1 -E "$SYSTEMD_MARKERS" "$CAPTURE_LOG" | tr -d '\r' | cut -c1-120)
    if [ -n "$hit" ]; then
        echo "systemd booted the installed system inside the capture kernel ('$hit', $(grep -a -c -E "$SYSTEMD_MARKERS" "$CAPTURE_LOG") such lines in $CAPTURE_LOG): the capture did not run in kdumpd's own initrd"
    fi
}
