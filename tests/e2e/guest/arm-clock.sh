#!/bin/bash
# bench-arm's clock. In bash, because a reading must cost no process: under TCG a fork and exec
# of cat, date or curl takes tens to hundreds of milliseconds, and a poll loop made of them added
# that much to the daemon's figure (and took a vCPU from the daemon while it started).
#   arm-clock.sh time CMD...  runs CMD with its output on stderr; prints its wall seconds (EPOCHREALTIME
#                             just before the fork and just after the wait); exits with CMD's status
#   arm-clock.sh armed PID    prints the seconds from PID's fork (starttime in /proc/PID/stat) until
#                             /sys/kernel/kexec_crash_loaded reads 1 (/proc/uptime, 10 ms steps),
#                             polled every 10 ms with builtins only; exits 1, saying why, if PID ends
#                             first or 120 s pass (KEXEC_CRASH_LOADED names another file, for a test)
set -u
export LC_ALL=C

# seconds A B: B - A for two EPOCHREALTIME stamps, printed with four decimals
seconds() { local d=$((${2/./} - ${1/./})); printf '%d.%04d\n' $((d / 1000000)) $(((d % 1000000) / 100)); }

# stat_fields PID: the fields of /proc/PID/stat after "(comm)", from field 3 (state) on, in F
stat_fields() {
    local line
    read -r line 2> /dev/null < "/proc/$1/stat" || return 1
    read -r -a F <<< "${line##*) }"
}

case ${1:-} in
time)
    shift
    t0=$EPOCHREALTIME
    "$@" >&2
    rc=$?
    t1=$EPOCHREALTIME
    seconds "$t0" "$t1"
    exit $rc
    ;;
armed)
    pid=$2
    hz=$(getconf CLK_TCK)
    stat_fields "$pid" || { echo "process $pid is not running"; exit 1; }
    start_cs=$((F[19] * 100 / hz)) # field 22, starttime, in clock ticks since boot
    loaded_file=${KEXEC_CRASH_LOADED:-/sys/kernel/kexec_crash_loaded}
    # A pipe nobody writes to: read -t on it is a sleep without a process (a FIFO: the guest has no /dev/fd).
    fifo=${TMPDIR:-/tmp}/arm-clock.$$
    mkfifo "$fifo" && exec {pause}<> "$fifo" && rm -f "$fifo" || { echo "cannot make the FIFO $fifo"; exit 1; }
    while :; do
        loaded=""
        read -r loaded < "$loaded_file"
        read -r up _ < /proc/uptime
        now_cs=${up/./}
        now_cs=$((10#$now_cs))
        if [ "$loaded" = 1 ]; then
            d=$((now_cs - start_cs))
            printf '%d.%02d\n' $((d / 100)) $((d % 100))
            exit 0
        fi
        if ! stat_fields "$pid" || [ "${F[0]}" = Z ]; then
            echo "process $pid ended before kexec_crash_loaded read 1"
            exit 1
        fi
        [ $((now_cs - start_cs)) -lt 12000 ] || { echo "kexec_crash_loaded did not read 1 within 120 s of process $pid's start"; exit 1; }
        read -r -t 0.01 -u "$pause" _
    done
    ;;
*)
    echo "usage: arm-clock.sh time CMD... | arm-clock.sh armed PID" >&2
    exit 2
    ;;
esac
