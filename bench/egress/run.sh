#!/usr/bin/env bash
# kdumpd egress against plain scp and an S3 client (s3cmd) copying the same dump over loopback,
# in one run, then the same upload with the server killed halfway and restarted, and with kdumpd
# itself killed with -9 halfway and started again.
#   nice -n 10 bench/egress/run.sh [SIZE_MIB]   (default 2048: a 2 GiB vmcore of random bytes)
# Prints per target: seconds, MiB/s and the ratio peer_seconds / kdumpd_seconds (goal >= 0.8; for
# SFTP against scp with its default cipher and with kdumpd's, KDUMPD_EGRESS_ROUNDS times),
# and for the restart cases the bytes sent twice (goal: at most one part in flight, 16 MiB each).
# kdumpd's time includes its verification (the SSH host's openssl/sha256sum of its copy; S3's part and
# object digests checked against the local parts, the local file re-hashed); the peers verify
# nothing. Needs root (sshd), sshd, node + tests/tools (deploy/install-deps.sh), s3cmd, aws + jq
# (optional: the README's fleet-listing command is run against the bucket at the end).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
size_mib=${1:-2048}
command -v s3cmd >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq s3cmd >/dev/null
work=$(mktemp -d /var/tmp/kdumpd-egress-bench.XXXXXX)
pids=()
# Servers are ended by their process ids (with their session children), never by name.
kill_tree() { local c; for c in $(pgrep -P "$1"); do kill_tree "$c"; done; kill -KILL "$1" 2>/dev/null || true; }
cleanup() {
    for p in "${pids[@]}" $(cat "$work"/*.pid 2>/dev/null); do kill_tree "$p"; done
    rm -rf "$work"
}
trap cleanup EXIT
dotnet build "$root/bench" -c Release -nologo -v q >/dev/null
# KDUMPD_EGRESS_BENCH="concurrency=4 part_mib=32" tries other bounds than the defaults.
bench() { dotnet "$root/bench/bin/Release/net10.0/Kdumpd.Bench.dll" egress "$@" ${KDUMPD_EGRESS_BENCH:-}; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p"; }

mkdir -p "$work/dumps" "$work/sftp" "$work/s3"
bench make_mib="$size_mib" dumps="$work/dumps"
vmcore=$(ls "$work"/dumps/*/vmcore)
bytes=$(stat -c %s "$vmcore")

# sshd on loopback with its own keys and config
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"; ssh-keygen -q -t ed25519 -N '' -f "$work/id"
sshport=$(port); mkdir -p /run/sshd
cat > "$work/sshd_config" <<CONF
Port $sshport
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/id.pub
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CONF
start_sshd() { /usr/sbin/sshd -D -e -f "$work/sshd_config" 2>>"$work/sshd.log" & sshd_pid=$!; pids+=("$sshd_pid"); sleep 0.5; }
start_sshd
hostkey=$(ssh-keygen -l -E sha256 -f "$work/host_key.pub" | awk '{print $2}')

# s3rver on loopback
s3port=$(port)
s3rver_cmd="node $root/tests/tools/node_modules/s3rver/bin/s3rver.js -d $work/s3 -a 127.0.0.1 -p $s3port -s --configure-bucket bench"
start_s3() { $s3rver_cmd >>"$work/s3.log" 2>&1 & s3_pid=$!; pids+=("$s3_pid"); sleep 1.5; }
start_s3
cat > "$work/s3cfg" <<CONF
[default]
access_key = S3RVER
secret_key = S3RVER
host_base = 127.0.0.1:$s3port
host_bucket = 127.0.0.1:$s3port
use_https = False
multipart_chunk_size_mb = 16
CONF

ssh_opts=(-i "$work/id" -P "$sshport" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
# scp twice: with the cipher it negotiates by default (OpenSSH's first choice) and with the one kdumpd
# negotiates (SSH.NET offering AES-GCM first), so the ratio is also given cipher for cipher.
scp_cipher=$(ssh -G -p "$sshport" 127.0.0.1 2>/dev/null | awk '/^ciphers /{split($2, c, ","); print c[1]}')
kdumpd_cipher=aes128-gcm@openssh.com
common=(dumps="$work/dumps" staging="$work/staging")
mib=$((bytes / 1048576))
rate() { echo "$mib/$1" | bc -l; }
printf 'file: %d MiB random vmcore\n' "$mib"
# KDUMPD_EGRESS_ROUNDS=N repeats the SFTP comparison (scp, scp -c AES-GCM, kdumpd) N times: each
# round's ratios are measured in that round; the spread shows what the machine's load does to them.
# kdumpd's figure is given twice: "verified" (every file shipped, the host's SHA-256 of its copy
# checked, renamed into place) and "sent" (until the host acknowledged the vmcore's last byte:
# what scp does, which verifies nothing). Both include connecting (scp's time does too).
for round in $(seq 1 "${KDUMPD_EGRESS_ROUNDS:-1}"); do
    scp_s=$(secs scp "${ssh_opts[@]}" "$vmcore" "root@127.0.0.1:$work/sftp/scp-copy")
    rm -f "$work/sftp/scp-copy"
    scp_gcm_s=$(secs scp "${ssh_opts[@]}" -c "$kdumpd_cipher" "$vmcore" "root@127.0.0.1:$work/sftp/scp-copy")
    rm -f "$work/sftp/scp-copy"
    rm -rf "$work/sftp/kdumpd" "$work/sftp.db"*
    out=$(bench "${common[@]}" db="$work/sftp.db" kind=sftp port="$sshport" hostkey="$hostkey" identity="$work/id" dir="$work/sftp/kdumpd")
    sftp_s=$(field upload_seconds <<<"$out"); sent_s=$(field vmcore_acknowledged_seconds <<<"$out"); echo "sftp round $round: $out"
    printf 'sftp round %d: kdumpd verified %.1f s (%.0f MiB/s), sent %.1f s (%.0f MiB/s), %s\n' "$round" "$sftp_s" "$(rate "$sftp_s")" "$sent_s" "$(rate "$sent_s")" "$kdumpd_cipher"
    printf 'sftp round %d: scp %.1f s (%.0f MiB/s, %s)  ratio scp/kdumpd: verified %.2f, sent %.2f\n' "$round" "$scp_s" "$(rate "$scp_s")" "$scp_cipher" "$(echo "$scp_s/$sftp_s" | bc -l)" "$(echo "$scp_s/$sent_s" | bc -l)"
    printf 'sftp round %d, same cipher: scp -c %s %.1f s (%.0f MiB/s)  ratio scp/kdumpd: verified %.2f, sent %.2f\n' "$round" "$kdumpd_cipher" "$scp_gcm_s" "$(rate "$scp_gcm_s")" "$(echo "$scp_gcm_s/$sftp_s" | bc -l)" "$(echo "$scp_gcm_s/$sent_s" | bc -l)"
done

# KDUMPD_EGRESS_KINDS=sftp measures the SSH target only.
kinds=${KDUMPD_EGRESS_KINDS:-sftp s3}
if [[ $kinds == *s3* ]]; then
    s3cmd_s=$(secs s3cmd -c "$work/s3cfg" put "$vmcore" s3://bench/s3cmd-copy)
    out=$(bench "${common[@]}" db="$work/s3.db" kind=s3 endpoint="http://127.0.0.1:$s3port" bucket=bench key=S3RVER secret=S3RVER)
    s3_s=$(field upload_seconds <<<"$out"); echo "s3:   $out"
    printf 's3:   kdumpd %.1f s (%.0f MiB/s)  s3cmd %.1f s (%.0f MiB/s)  ratio s3cmd/kdumpd = %.2f\n' "$s3_s" "$(rate "$s3_s")" "$s3cmd_s" "$(rate "$s3cmd_s")" "$(echo "$s3cmd_s/$s3_s" | bc -l)"
fi

[ "${KDUMPD_EGRESS_THROUGHPUT_ONLY:-0}" = 1 ] && exit 0

# killed halfway and restarted: resume sends only what the target does not hold
killer='kill_tree() { local c; for c in $(pgrep -P "$1"); do kill_tree "$c"; done; kill -KILL "$1"; }; kill_tree'
out=$(bench "${common[@]}" db="$work/sftp-kill.db" kind=sftp port="$sshport" hostkey="$hostkey" identity="$work/id" dir="$work/sftp/kill" \
    stop="$killer $sshd_pid" start="/usr/sbin/sshd -f $work/sshd_config; sleep 0.5")
echo "sftp killed halfway: $(tr '\n' ' ' <<<"$out")"
out=$(bench "${common[@]}" db="$work/s3-kill.db" kind=s3 endpoint="http://127.0.0.1:$s3port" bucket=bench prefix=kill key=S3RVER secret=S3RVER \
    stop="$killer $s3_pid" start="$s3rver_cmd >>$work/s3.log 2>&1 & echo \$! > $work/s3rver.pid; sleep 1.5")
echo "s3 killed halfway:   $(tr '\n' ' ' <<<"$out")"

# kdumpd killed with -9 halfway, then started again on the same catalogue: resumes
for kind in sftp s3; do
    if [ "$kind" = sftp ]; then
        args=(kind=sftp port="$sshport" hostkey="$hostkey" identity="$work/id" dir="$work/sftp/kill9")
    else
        args=(kind=s3 endpoint="http://127.0.0.1:$s3port" bucket=bench prefix=kill9 key=S3RVER secret=S3RVER)
    fi
    first=$(bench "${common[@]}" db="$work/$kind-kill9.db" "${args[@]}" kill9=1 || true)
    out=$(bench "${common[@]}" db="$work/$kind-kill9.db" "${args[@]}")
    echo "$kind kdumpd -9:  $(tr '\n' ' ' <<<"$first") | after restart: $(tr '\n' ' ' <<<"$out")"
done

# the README's fleet listing, against the bucket kdumpd just filled
if command -v aws >/dev/null && command -v jq >/dev/null; then
    (cd "$work" && AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
        aws --endpoint-url "http://127.0.0.1:$s3port" s3 sync s3://bench/ fleet/ --exclude '*' --include '*/index.json' --only-show-errors &&
        find fleet -name index.json -exec cat {} + | jq -c -s 'group_by(.signature) | map({signature: .[0].signature, title: .[0].title, crashes: length, hosts: (map(.host) | unique), last: (map(.crashTime) | max)}) | sort_by(-.crashes)') |
        sed 's/^/fleet listing: /'
fi
