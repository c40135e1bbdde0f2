#!/bin/sh
# Guest side of kdumpd's e2e harness.  Runs chrooted into the HOST's root
# filesystem (9p, read-only, tmpfs overlay), so every tool is the host's
# binary (dash, kexec, makedumpfile, curl, jq) and kdumpd (NativeAOT, no .NET)
# runs from the path it was published to on the host.  /kdump-out is the writable share.
#
# Which phase runs is decided from /proc/vmcore and state files in the share:
#   first   : normal boot, no state         -> guest_first   (load, then panic_now)
#   capture : /proc/vmcore exists           -> guest_capture (save, then reboot_to_post or finish)
#   post    : normal boot, state/panicked   -> guest_post    (check, then finish)
# The scenario file (/kdump-out/scenario.sh) defines those functions.
# A phase ends with finish (scenario done: VM powers off), fail REASON (VM
# powers off, the host reports E2E FAIL with REASON), panic_now, or reboot_to_post.
OUT=/kdump-out
ST=$OUT/state
mkdir -p "$ST" "$OUT/logs"
. "$OUT/config"
# kdumpd is a NativeAOT binary: the host's .NET is hidden under an empty tmpfs and no DOTNET_*
# variable is set, so a dependency on a runtime fails here as it would on a host without one.
unset DOTNET_ROOT
if [ -n "${DOTNET_HIDE:-}" ] && [ -d "$DOTNET_HIDE" ]; then
    mount -t tmpfs -o size=1m,mode=0755 none "$DOTNET_HIDE" || fail "cannot hide .NET at $DOTNET_HIDE"
fi
KD_TIMEOUT=${KD_TIMEOUT:-150}

up() { cut -d' ' -f1 /proc/uptime; }
now() { date +%s.%N; }
say() { echo "KDVM: $* up=$(up)"; }
fail() { echo "KDVM: FAIL $*"; echo "$*" >> "$ST/failed"; sync; exit 1; }
finish() { : > "$ST/done"; sync; say scenario-done; exit 0; }
dt() { echo "$1 $2" | awk '{printf "%.1f", $2-$1}'; }
# capture command line for direct kexec loads (kdumpd builds its own)
APPEND="$(sed -e 's/crashkernel=[^ ]*//g' -e 's/panic=[^ ]*//g' /proc/cmdline) irqpoll nr_cpus=1 reset_devices panic=1 acpi_no_memhotplug"

# step NAME CMD...: run CMD with its output in logs/NAME.{out,err}; timed; returns CMD's rc
step() {
    _n=$1; shift
    _t0=$(now)
    "$@" > "$OUT/logs/$_n.out" 2> "$OUT/logs/$_n.err"; _rc=$?
    say step "$_n" rc=$_rc secs=$(dt "$_t0" "$(now)")
    if [ $_rc != 0 ]; then tail -5 "$OUT/logs/$_n.out"; tail -5 "$OUT/logs/$_n.err"; fi
    return $_rc
}
# first line of a step's stderr (or stdout): the reason given in FAIL lines
why() {
    _w=$({ grep -m1 -v '^[[:space:]]*$' "$OUT/logs/$1.err" || grep -m1 -v '^[[:space:]]*$' "$OUT/logs/$1.out"; } 2> /dev/null | cut -c1-200)
    # a stack trace: its last line says what went wrong
    case $_w in Traceback*) _w=$(grep -v '^[[:space:]]*$' "$OUT/logs/$1.err" | tail -1 | cut -c1-200) ;; esac
    echo "${_w:-(no output)}"
}
# kd NAME ARGS...: run kdumpd (bounded) as step NAME
kd() { _n=$1; shift; step "$_n" timeout -k 5 "$KD_TIMEOUT" "$KDUMPD" "$@"; }
# kd_must NAME ARGS...: kdumpd must exit 0, else the scenario fails with its message
kd_must() {
    [ -x "$KDUMPD" ] || fail "kdumpd was not published (no $KDUMPD)"
    _v=$2; case ${3:-} in -*|'') ;; *) _v="$2 $3" ;; esac
    kd "$@" || fail "kdumpd $_v exited $_rc: $(why "$1")"
}

# the daemon: kdumpd run in the background, bounded; its log in logs/daemon-NAME.log
daemon_start() {
    [ -x "$KDUMPD" ] || fail "kdumpd was not published (no $KDUMPD)"
    DNAME=$1; shift
    timeout -k 5 600 "$KDUMPD" run "$@" > "$OUT/logs/daemon-$DNAME.log" 2>&1 &
    DPID=$!
    say daemon-start "$DNAME" pid=$DPID
}
# the daemon log's first error line, else its last line
daemon_why() {
    _w=$(grep -m1 -iE 'error|exception|unrecognized|fatal|fail' "$OUT/logs/daemon-$DNAME.log" | cut -c1-200)
    [ -n "$_w" ] || _w=$(grep -v '^[[:space:]]*$' "$OUT/logs/daemon-$DNAME.log" | tail -1 | cut -c1-200)
    echo "${_w:-(no output)}"
}
daemon_stop() { [ -n "${DPID:-}" ] && kill "$DPID" 2> /dev/null; wait "$DPID" 2> /dev/null; say daemon-stopped; }
# http_wait PATH CODE SECS: poll the daemon until PATH answers CODE (body in logs/http-wait.body)
http_wait() {
    _t0=$(now); _end=$(( $(cut -d. -f1 /proc/uptime) + $3 ))
    while :; do
        _c=$(curl -s -m 5 -o "$OUT/logs/http-wait.body" -w '%{http_code}' "$API$1" 2> /dev/null)
        [ "$_c" = "$2" ] && break
        if ! kill -0 "$DPID" 2> /dev/null; then
            wait "$DPID"; _drc=$?
            fail "kdumpd run exited ($_drc) before $1 answered $2: $(daemon_why) (log: logs/daemon-$DNAME.log)"
        fi
        [ "$(cut -d. -f1 /proc/uptime)" -lt "$_end" ] || fail "$1 did not answer $2 within $3 s (last: HTTP $_c $(head -c 300 "$OUT/logs/http-wait.body" 2> /dev/null | tr '\n' ' '))"
        sleep 0.5
    done
    say http "$1" "$2" secs=$(dt "$_t0" "$(now)")
}
API=http://127.0.0.1:5080
# token_of FILE: the printed token (the longest word of 16+ characters)
token_of() { awk '{ for (i = 1; i <= NF; i++) if (length($i) >= 16 && length($i) > length(t)) t = $i } END { print t }' "$1"; }

crash_loaded() { cat /sys/kernel/kexec_crash_loaded; }
panic_now() {
    [ "$(crash_loaded)" = 1 ] || fail "about to panic but kexec_crash_loaded=$(crash_loaded)"
    : > "$ST/panicked"; sync
    echo 1 > /proc/sys/kernel/sysrq
    say panic-trigger
    echo c > /proc/sysrq-trigger
    sleep 30
    fail "still alive 30 s after sysrq-trigger c"
}
reboot_to_post() { : > "$ST/captured"; sync; say reboot-to-post; : > /run/kdvm-reboot; exit 0; }

# host_req ACTION: the host (polling the share) runs qmp.py ACTION
host_req() {
    mkdir -p "$OUT/req"; : > "$OUT/req/$1.req"
    say host-req "$1"
    _i=0
    while [ ! -f "$OUT/req/$1.done" ]; do
        sleep 0.2; _i=$((_i + 1)); [ $_i -gt 300 ] && fail "host did not answer request $1"
    done
    say host-req-done "$1" "$(cat "$OUT/req/$1.done")"
    grep -q ' ok$' "$OUT/req/$1.done" || fail "host request $1: $(cat "$OUT/req/$1.done")"
}
# hot-add 512 MiB (QMP) and online every offline block (6.1 leaves them offline)
hot_add_memory() {
    host_req mem-add
    _i=0
    until grep -q '^100000000-' /proc/iomem; do
        sleep 0.2; _i=$((_i + 1)); [ $_i -gt 50 ] && fail "hot-added DIMM never appeared in /proc/iomem"
    done
    _n=0
    for _b in /sys/devices/system/memory/memory[0-9]*; do
        if [ "$(cat "$_b/state")" = offline ]; then
            echo online > "$_b/state" || fail "online of ${_b##*/} failed"; _n=$((_n + 1))
        fi
    done
    say memory-onlined blocks=$_n "$(grep '^100000000-' /proc/iomem)"
}
# readelf_vmcore FILE: program headers of /proc/vmcore (plus its first 64 KiB) into the share
readelf_vmcore() {
    head -c 65536 /proc/vmcore > "$OUT/vmcore-head.bin"
    readelf -h -l /proc/vmcore > "$1" 2>&1 || fail "readelf -h -l /proc/vmcore failed"
    say vmcore-loads=$(grep -c '^ *LOAD' "$1")
    grep -A1 '^ *LOAD' "$1"
}
# has_load_at ADDR FILE: a PT_LOAD with this physical address (hex, no 0x) in readelf output
has_load_at() { awk -v a="$1" '$1=="LOAD"{ p=$4; sub(/^0x0*/,"",p); if (p==a) f=1 } END{ exit !f }' "$2"; }

# ---------------------------------------------------------- fixture trees --
# cpf SRC ROOT: copy SRC exactly as cat read it to ROOT/<SRC without leading />
cpf() {
    _rel=${1#/}; _dst=$2/$_rel
    mkdir -p "${_dst%/*}"
    if cat "$1" > "$_dst.tmp" 2> /tmp/cpf.err; then mv "$_dst.tmp" "$_dst"
    else rm -f "$_dst.tmp"; echo "skipped: $_rel ($(head -1 /tmp/cpf.err | sed 's/^cat: //'))" >> "$2/_fixture.txt"; fi
}
# collect_tree DIR NAME: the host tree the planner reads (same set as the shared fixtures)
collect_tree() {
    _T=$1; rm -rf "$_T"; mkdir -p "$_T"
    {
        echo "fixture: $2"
        echo "scenario: $SCEN (tests/e2e/make-fixtures.sh)"
        echo "kernel: $(uname -r) ($(uname -v))"
        echo "collected: guest uptime $(up) s, $(date -u +%FT%TZ) (guest clock)"
        echo "phase: first (before the panic kernel was loaded)"
        echo "Files are byte-for-byte what cat read in the guest; paths are relative to /."
    } > "$_T/_fixture.txt"
    for _f in /proc/iomem /proc/cmdline /proc/cpuinfo /proc/meminfo \
             /proc/sys/kernel/kexec_load_disabled /proc/sys/kernel/kexec_load_limit_panic \
             /proc/sys/kernel/kexec_load_limit_reboot /proc/sys/kernel/sysrq /proc/sys/kernel/panic; do
        [ -e "$_f" ] && cpf "$_f" "$_T"
    done
    for _f in /sys/kernel/kexec_* /sys/kernel/crash_* /sys/kernel/vmcoreinfo; do
        [ -f "$_f" ] && cpf "$_f" "$_T"
    done
    _C=/sys/devices/system/cpu
    for _f in possible present online offline kernel_max crash_hotplug; do
        [ -e "$_C/$_f" ] && cpf "$_C/$_f" "$_T"
    done
    for _c in "$_C"/cpu[0-9]*; do
        for _f in crash_notes crash_notes_size online; do [ -e "$_c/$_f" ] && cpf "$_c/$_f" "$_T"; done
    done
    _M=/sys/devices/system/memory
    for _f in block_size_bytes auto_online_blocks crash_hotplug; do [ -e "$_M/$_f" ] && cpf "$_M/$_f" "$_T"; done
    for _b in "$_M"/memory[0-9]*; do
        for _f in state phys_index online valid_zones removable phys_device; do [ -e "$_b/$_f" ] && cpf "$_b/$_f" "$_T"; done
    done
    for _m in /sys/firmware/memmap/*; do
        for _f in start end type; do [ -e "$_m/$_f" ] && cpf "$_m/$_f" "$_T"; done
    done
    # for the planner's kernel-text PT_LOAD: the kernel's own view of its mapping
    mkdir -p "$_T/proc"
    head -c 65536 /proc/kcore > "$_T/proc/kcore" \
        && echo "proc/kcore: only the first 65536 bytes of /proc/kcore (ELF header + program headers), not the whole file" >> "$_T/_fixture.txt"
    grep -E ' (_text|_end|_stext)$' /proc/kallsyms > "$_T/proc/kallsyms" \
        && echo "proc/kallsyms: only the lines of _text, _stext and _end (grep -E ' (_text|_end|_stext)\$' /proc/kallsyms)" >> "$_T/_fixture.txt"
    for _f in /proc/sys/kernel/kexec_load_limit_panic /proc/sys/kernel/kexec_load_limit_reboot; do
        [ -e "$_f" ] || echo "${_f#/}: absent in this kernel (not readable, nothing copied)" >> "$_T/_fixture.txt"
    done
    uname -r > "$_T/uname-r"
    say tree "$2" files=$(find "$_T" -type f | wc -l)
}
# kernel_header DIR LAYOUT: the capture kernel's view of the header the kernel/kexec-tools built
kernel_header() {
    _K=$1/kernel-header; mkdir -p "$_K"
    head -c 65536 /proc/vmcore > "$_K/vmcore-head.bin"
    readelf -h -l "$_K/vmcore-head.bin" > "$_K/readelf-vmcore.txt" 2>&1 || fail "readelf -h -l vmcore-head.bin failed"
    echo "$2" > "$_K/layout"
    cat /proc/cmdline > "$_K/capture-cmdline"
    {
        echo "kernel-header: seen from the capture kernel ($(uname -r)) after the crash of the boot the tree was taken in"
        echo "layout: $2"
        echo "vmcore-head.bin: the first 65536 bytes of /proc/vmcore (ELF header, program headers, the merged PT_NOTE start); /proc/vmcore was $(stat -c %s /proc/vmcore) bytes"
        echo "readelf-vmcore.txt: readelf -h -l vmcore-head.bin ($(readelf --version | head -1))"
        echo "capture-cmdline: /proc/cmdline of the capture kernel"
    } >> "$1/_fixture.txt"
    say kernel-header loads=$(grep -c '^ *LOAD' "$_K/readelf-vmcore.txt")
    grep -A1 '^ *LOAD' "$_K/readelf-vmcore.txt"
}

. "$OUT/scenario.sh"

say steps-start scen=$SCEN kernel=$(uname -r)
if [ -e /proc/vmcore ]; then
    say phase=capture
    : > "$ST/capture-started"; sync
    echo "cmdline: $(cat /proc/cmdline)"
    cat /proc/cmdline > "$OUT/capture-cmdline"
    guest_capture
    fail "guest_capture returned without an outcome"
elif [ -f "$ST/panicked" ]; then
    # OWN_CAPTURE=1: the capture ran in kdumpd's own initrd, which leaves no marker here (host_check reads the console)
    [ -f "$ST/capture-started" ] || [ -f "$ST/captured" ] || [ "${OWN_CAPTURE:-0}" = 1 ] || fail "the VM rebooted after the panic but no capture kernel ran"
    say phase=post
    guest_post
    fail "guest_post returned without an outcome"
else
    say phase=first
    echo "cmdline: $(cat /proc/cmdline)"
    grep -i 'crash kernel' /proc/iomem || fail "no 'Crash kernel' range in /proc/iomem"
    guest_first
    fail "guest_first returned without an outcome"
fi
