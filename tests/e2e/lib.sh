# shellcheck shell=bash
# lib.sh - host side of kdumpd's QEMU end-to-end harness (sourced by run.sh and
# make-fixtures.sh).  Adapted from the project's shared recipes
# (../shared/kdump-vm/run-cycle.sh, ../shared/hotplug-vm/run-fixtures.sh):
# a Debian kernel booted under QEMU/TCG, with the HOST's root filesystem as
# the guest's root (9p, read-only, tmpfs overlay) and a writable share
# (/kdump-out in the guest) that carries the config, the scenario and results.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
# The guest sees the host's root, except /tmp, /run and /dev/shm (its own tmpfs): the kernel,
# initrd and published kdumpd must live elsewhere, wherever the checkout is. /var/tmp is kept
# between runs, so the kernel package is fetched once.
WORK=${E2E_WORK:-/var/tmp/kdumpd-e2e}
case "$(realpath -m "$WORK")/" in
    /tmp/*|/run/*|/dev/shm/*) echo "E2E_WORK=$WORK is hidden from the guest (its /tmp, /run and /dev/shm are its own): use a path elsewhere" >&2; exit 2 ;;
esac
ACCEL=${ACCEL:-tcg}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-600}
MODS="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"
mkdir -p "$WORK"
T_SCRIPT0=$EPOCHREALTIME

log() { printf '[%7.1fs] %s\n' "$(awk -v a="$T_SCRIPT0" -v b="$EPOCHREALTIME" 'BEGIN{print b-a}')" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a==""||b=="") print "n/a"; else printf "%.1f", b-a }'; }
# host timestamp of the Nth console line matching an ERE
ts() { awk -v re="$1" -v n="${2:-1}" '$0 ~ re { if (++c == n) { print $1; exit } }' "$3"; }

ensure_packages() {
    local missing=() pair cmd pkg
    for pair in qemu-system-x86_64:qemu-system-x86 kexec:kexec-tools makedumpfile:makedumpfile \
                readelf:binutils file:file cpio:cpio xz:xz-utils gzip:gzip jq:jq curl:curl python3:python3 \
                cryptsetup:cryptsetup-bin mkfs.ext4:e2fsprogs; do
        cmd=${pair%%:*}; pkg=${pair#*:}
        command -v "$cmd" > /dev/null 2>&1 || missing+=("$pkg")
    done
    # Debian's busybox package is dynamic; the initramfs needs busybox-static's binary
    file -L /bin/busybox 2> /dev/null | grep -q 'statically linked' || missing+=(busybox-static)
    if ((${#missing[@]})); then
        log "installing: ${missing[*]}"
        [ "$(id -u)" = 0 ] || die "need root to apt-get install ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$WORK/apt.log" 2>&1 \
            || die "apt-get install ${missing[*]} failed (see $WORK/apt.log)"
    fi
    [ "$(id -u)" = 0 ] || die "the guest mounts / over 9p with security_model=none: run as root"
}

# kernel_package NAME: NAME when it is a versioned image package, else the image a meta-package depends on
kernel_package() {
    case $1 in
        linux-image-[0-9]*.[0-9]*.[0-9]*) apt-cache show "$1" > /dev/null 2>&1 && echo "$1" ;;
        *) apt-cache depends "$1" 2> /dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}' ;;
    esac
}
# The kernel is whatever linux-image-amd64 depends on (or the package named by the argument or
# E2E_KERNEL, e.g. linux-image-6.12-amd64: the package or what that meta-package depends on),
# unpacked (not installed) under $WORK/kernel (or $WORK/kernel-<package>); cached between runs.
get_kernel() {
    local pkg=${1:-${E2E_KERNEL:-}}
    local kdir=$WORK/kernel${pkg:+-$pkg}
    KROOT=$kdir/root
    if ! ls "$KROOT"/boot/vmlinuz-* > /dev/null 2>&1; then
        local dep
        dep=$(kernel_package "${pkg:-linux-image-amd64}")
        if [ -z "$dep" ]; then
            apt-get update -qq || true
            dep=$(kernel_package "${pkg:-linux-image-amd64}")
        fi
        [ -n "$dep" ] || die "cannot resolve ${pkg:-linux-image-amd64} to a kernel image package with apt-cache"
        log "downloading $dep (apt-get download + dpkg -x; the host kernel is untouched)"
        rm -rf "$kdir"; mkdir -p "$kdir"
        (cd "$kdir" && apt-get download "$dep" > /dev/null 2>&1) || die "apt-get download $dep failed"
        dpkg -x "$kdir/${dep}"_*.deb "$KROOT"
    fi
    VMLINUZ=$(ls "$KROOT"/boot/vmlinuz-* | head -1)
    KVER=${VMLINUZ##*/vmlinuz-}
    # the package ships no modules.dep (depmod writes it at install); kdumpd's capture initrd reads it
    [ -f "$KROOT/lib/modules/$KVER/modules.dep" ] || depmod -b "$KROOT" "$KVER" || die "depmod -b $KROOT $KVER failed"
    local o
    for o in CRASH_DUMP PROC_VMCORE KEXEC_FILE; do
        grep -q "^CONFIG_${o}=y" "$KROOT/boot/config-$KVER" || die "CONFIG_$o is not y in $KVER"
    done
}

build_initrd() {
    INITRD=$WORK/initrd.img
    [ "$KROOT" = "$WORK/kernel/root" ] || INITRD=$WORK/initrd-$KVER.img
    local S=$WORK/stage m f stamp
    stamp="$KVER $(sha256sum "$E2E_DIR/guest/init" | cut -c1-16) $(stat -c %s /bin/busybox)"
    if [ -f "$INITRD" ] && [ "$(cat "${INITRD%.img}.stamp" 2> /dev/null)" = "$stamp" ]; then return 0; fi
    rm -rf "$S"; mkdir -p "$S/bin" "$S/lib/modules/$KVER"
    cp /bin/busybox "$S/bin/busybox"
    for m in $(/bin/busybox --list); do [ "$m" = busybox ] || ln -s busybox "$S/bin/$m"; done
    ln -s bin "$S/sbin"
    for m in $MODS; do
        f=$(find "$KROOT/lib/modules/$KVER" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
        if [ -z "$f" ]; then
            # 6.12 builds virtio in and merged fscache into netfs: the init's insmod loop skips those
            [ "$KROOT" != "$WORK/kernel/root" ] || die "module $m not found in $KVER"
            log "initramfs: no $m.ko in $KVER (built in or merged), skipped"; continue
        fi
        case $f in *.xz) xz -dc "$f" > "$S/lib/modules/$KVER/$m.ko" ;; *) cp "$f" "$S/lib/modules/$KVER/" ;; esac
    done
    install -m 0755 "$E2E_DIR/guest/init" "$S/init"
    (cd "$S" && find . | cpio -o -H newc --quiet | gzip -9) > "$INITRD"
    echo "$stamp" > "${INITRD%.img}.stamp"
    log "initramfs: $(stat -c %s "$INITRD") bytes ($KVER)"
}

# publish kdumpd once per run: the NativeAOT binary (deploy/publish.sh), as the package ships it.
# The guests run it with the host's .NET hidden (DOTNET_HIDE): nothing may need a runtime.
publish_kdumpd() {
    local t0=$EPOCHREALTIME
    DOTNET_HIDE=$(command -v dotnet >/dev/null 2>&1 && dirname "$(readlink -f "$(command -v dotnet)")" || true)
    if [ -n "${KDUMPD_BINARY:-}" ]; then
        # tests/run-all.sh published it already (one NativeAOT compile per run)
        KDUMPD=$KDUMPD_BINARY; KDUMPD_OK=1; [ -x "$KDUMPD" ] || KDUMPD_OK=0
        log "kdumpd (NativeAOT) from KDUMPD_BINARY=$KDUMPD"
    elif KDUMPD=$("$REPO/deploy/publish.sh" --out "$WORK/kdumpd" 2> "$WORK/publish.log" | tail -1) && [ -x "$KDUMPD" ]; then
        log "kdumpd (NativeAOT) published to $KDUMPD in $(dt "$t0" "$EPOCHREALTIME") s"
        KDUMPD_OK=1
    else
        log "deploy/publish.sh FAILED (see $WORK/publish.log): $(grep -m1 -E 'error' "$WORK/publish.log" | cut -c1-200)"
        KDUMPD_OK=0
    fi
}

# run_vm NAME SCENARIO_FILE [EXTRA_CONFIG]: a fresh share, one bounded QEMU run
# (first kernel -> capture kernel -> maybe post boot), serving the guest's QMP
# requests (files req/<action>.req in the share).  Sets RUN_DIR SHARE LOGF QEMU_RC.
run_vm() {
    local name=$1 scen=$2 extra=${3:-}
    RUN_DIR=$WORK/runs/$name; SHARE=$RUN_DIR/share; LOGF=$RUN_DIR/console.log
    rm -rf "$RUN_DIR"; mkdir -p "$SHARE/state" "$SHARE/logs"
    cp "$E2E_DIR/guest/steps.sh" "$SHARE/steps.sh"
    cp "$E2E_DIR/guest/capture-block-sysfs.sh" "$SHARE/capture-block-sysfs.sh"
    cp "$E2E_DIR/guest/arm-clock.sh" "$SHARE/arm-clock.sh"
    cp "$scen" "$SHARE/scenario.sh"
    # VM_* defaults, the run's config, then the scenario's own settings
    VM_MEM=1024; VM_SMP=2; VM_CRASHKERNEL=256M; VM_DRIVE=""
    unset -f guest_first guest_capture guest_post host_check host_prepare 2> /dev/null || true
    eval "$extra"
    # shellcheck disable=SC1090
    . "$scen"
    # a scenario may prepare host-side files (a disk image for VM_DRIVE) before the VM starts
    if declare -F host_prepare > /dev/null; then host_prepare; fi
    {
        echo "SCEN='$name'"
        echo "KVER='$KVER'"
        echo "KERNEL='$VMLINUZ'"
        echo "INITRD='$INITRD'"
        echo "KDUMPD='${KDUMPD:-}'"
        echo "KDUMPD_NATIVE='${KDUMPD_NATIVE:-}'"
        echo "KROOT='$KROOT'"
        echo "DOTNET_HIDE='${DOTNET_HIDE:-}'"
        echo "REPO='$REPO'"
        [ -z "${BENCH_RUNS:-}" ] || echo "BENCH_RUNS='$BENCH_RUNS'"
        printf '%s\n' "$extra"
    } > "$SHARE/config"
    local sock=$RUN_DIR/qmp.sock qpid r a rc
    echo "$EPOCHREALTIME QEMU-START $name -m $VM_MEM -smp $VM_SMP crashkernel=$VM_CRASHKERNEL" > "$LOGF"
    (
        set +e
        # KDUMPD_QEMU_LOCK (optional): a flock file shared with other QEMU users on this machine
        ${KDUMPD_QEMU_LOCK:+flock "$KDUMPD_QEMU_LOCK"} timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 -accel "$ACCEL" -cpu max -m "$VM_MEM" -smp "$VM_SMP" \
            -display none -monitor none -serial stdio -nic none -no-user-config \
            -qmp "unix:$sock,server=on,wait=off" \
            -kernel "$VMLINUZ" -initrd "$INITRD" ${VM_DRIVE:+-drive "file=$VM_DRIVE,if=virtio,format=raw"} \
            -append "console=ttyS0 crashkernel=$VM_CRASHKERNEL panic=1" \
            -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
            -virtfs "local,path=$SHARE,mount_tag=kdout,security_model=none,multidevs=remap" \
            < /dev/null 2>&1 | while IFS= read -r line || [ -n "$line" ]; do
                printf '%s %s\n' "$EPOCHREALTIME" "${line//$'\r'/}"; done >> "$LOGF"
        echo "$EPOCHREALTIME QEMU-EXIT rc=${PIPESTATUS[0]}" >> "$LOGF"
    ) &
    qpid=$!
    while kill -0 "$qpid" 2> /dev/null; do
        for r in "$SHARE"/req/*.req; do
            [ -e "$r" ] || continue
            a=$(basename "$r" .req); rm -f "$r"
            log "  $name: guest asks the host for: $a"
            if python3 "$E2E_DIR/qmp.py" "$sock" "$a" > "$SHARE/req/$a.qmp.txt" 2>&1; then rc=ok; else rc="failed($?)"; fi
            echo "qmp $a $rc" > "$SHARE/req/$a.tmp"; mv "$SHARE/req/$a.tmp" "$SHARE/req/$a.done"
        done
        sleep 0.2
    done
    wait "$qpid" || true
    QEMU_RC=$(awk '/QEMU-EXIT/{sub(/.*rc=/,""); print}' "$LOGF")
}

# timing lines from the host-stamped console
print_timings() {
    local n=$1 f=$LOGF t0 t1 b1 p0 b2 b3
    t0=$(ts 'QEMU-START' 1 "$f"); t1=$(ts 'QEMU-EXIT' 1 "$f")
    b1=$(ts 'KDVM: shell-ready' 1 "$f"); b2=$(ts 'KDVM: shell-ready' 2 "$f"); b3=$(ts 'KDVM: shell-ready' 3 "$f")
    p0=$(ts 'sysrq: Trigger a crash' 1 "$f")
    echo "E2E TIME $n: qemu=$(dt "$t0" "$t1")s boot=$(dt "$t0" "$b1")s first-phase=$(dt "$b1" "$p0")s panic-to-capture-shell=$(dt "$p0" "$b2")s$( [ -n "$b3" ] && echo " capture-phase+reboot=$(dt "$b2" "$b3")s post-phase=$(dt "$b3" "$t1")s")"
    grep -E 'KDVM: (step |http |reload-seen|downloaded|memory-onlined|generation-before)' "$f" | awk '{ $1=""; sub(/^ KDVM: (step )?/, ""); print "E2E TIME '"$n"':   " $0 }' || true
}

# check_vmcore_dmesg VMCORE TITLE: makedumpfile --dump-dmesg reads the saved vmcore, kdumpd triage
# reads the same log from it byte for byte, and titles the crash TITLE. The texts stay in
# $RUN_DIR (dmesg-from-saved.txt, dmesg-kdumpd.txt, triage.json). Sets HOST_REASON on failure.
check_vmcore_dmesg() {
    local v=$1 title=$2
    makedumpfile --dump-dmesg "$v" "$RUN_DIR/dmesg-from-saved.txt" > "$RUN_DIR/makedumpfile-dmesg.log" 2>&1 \
        || { HOST_REASON="makedumpfile --dump-dmesg failed on the saved vmcore: $(grep -m1 -iv '^$' "$RUN_DIR/makedumpfile-dmesg.log")"; return 1; }
    "$KDUMPD" triage "$v" --format json --dmesg "$RUN_DIR/dmesg-kdumpd.txt" > "$RUN_DIR/triage.json" 2>&1 \
        || { HOST_REASON="kdumpd triage could not read the saved vmcore: $(head -c 300 "$RUN_DIR/triage.json")"; return 1; }
    cmp -s "$RUN_DIR/dmesg-kdumpd.txt" "$RUN_DIR/dmesg-from-saved.txt" \
        || { HOST_REASON="kdumpd's dmesg differs from makedumpfile --dump-dmesg: $(diff "$RUN_DIR/dmesg-from-saved.txt" "$RUN_DIR/dmesg-kdumpd.txt" | head -3 | tr '\n' ' ')"; return 1; }
    local got
    got=$(jq -r '.title // "(none)"' "$RUN_DIR/triage.json")
    [ "$got" = "$title" ] || { HOST_REASON="kdumpd triage titled the crash '$got', expected '$title'"; return 1; }
    E2E_DETAIL="${E2E_DETAIL:+$E2E_DETAIL; }dmesg equal to makedumpfile's ($(wc -l < "$RUN_DIR/dmesg-kdumpd.txt") lines), title '$got'"
}
