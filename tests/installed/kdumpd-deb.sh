#!/usr/bin/env bash
# Builds the kdumpd Debian package the installed-system test installs, on the host (the image has
# no route to NuGet), cached under $KDUMPD_INSTALLED_CACHE keyed by the sources it is built from.
# Prints the .deb's path on its last line.
#
# The package comes from the project's own deploy/build-deb.sh. Until that script exists on this
# branch, a stand-in package is packed from `deploy/install.sh --destdir` with a self-contained
# publish (said loudly: it is not the operator's artefact).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${KDUMPD_INSTALLED_CACHE:-/var/tmp/kdumpd-installed}
cd "$root"
# a given binary (KDUMPD_BINARY, kdumpd-init beside it) is part of what the package is built from
key=$( { git ls-files -co --exclude-standard -- src deploy Directory.Build.props Directory.Packages.props global.json \
          | grep -v '/bin/\|/obj/' | sort | xargs -r sha256sum
        [ -z "${KDUMPD_BINARY:-}" ] || sha256sum "$KDUMPD_BINARY" "$(dirname "$KDUMPD_BINARY")/kdumpd-init"; } | sha256sum | cut -c1-12)
out=$cache/deb-$key
if ! ls "$out"/kdumpd_*.deb >/dev/null 2>&1; then
    rm -rf "$out.tmp"; mkdir -p "$out.tmp"
    start=$SECONDS
    if [ -f deploy/build-deb.sh ]; then
        echo "installed: building the kdumpd package with deploy/build-deb.sh" >&2
        # build-deb.sh prints the package's path on its last line
        # tests/run-all.sh published kdumpd (and kdumpd-init beside it) already: no second NativeAOT compile
        deb=$(bash deploy/build-deb.sh ${KDUMPD_BINARY:+--binary "$KDUMPD_BINARY"} --out "$out.tmp" 2>"$out.tmp/build.log" | tail -1) \
            || { tail -30 "$out.tmp/build.log" >&2; exit 1; }
        [ -n "$deb" ] && [ -f "$deb" ] || { echo "deploy/build-deb.sh did not print a .deb (log: $out.tmp/build.log)" >&2; exit 1; }
        [ "$(dirname "$(realpath "$deb")")" = "$(realpath "$out.tmp")" ] || cp "$deb" "$out.tmp/"
    else
        echo "installed: deploy/build-deb.sh is not on this branch yet: packing a STAND-IN .deb from deploy/install.sh --destdir (self-contained publish)" >&2
        stage=$out.tmp/stage
        # install.sh publishes framework-dependent; MSBuild reads these from the environment, so the
        # same script yields a self-contained tree that runs without a .NET runtime in the image.
        RuntimeIdentifier=linux-x64 SelfContained=true bash deploy/install.sh --destdir "$stage" >"$out.tmp/build.log" 2>&1 \
            || { tail -30 "$out.tmp/build.log" >&2; exit 1; }
        rm -rf "$stage/var"   # the package must not own /var/crash's contents; postinst makes it
        mkdir -p "$stage/DEBIAN"
        cat >"$stage/DEBIAN/control" <<CONTROL
Package: kdumpd
Version: 0.0~standin1
Architecture: amd64
Maintainer: kdumpd tests <root@localhost>
Depends: libc6, libstdc++6, libgcc-s1, zlib1g, libssl3, kexec-tools
Recommends: makedumpfile
Description: kdumpd stand-in package built by tests/installed/kdumpd-deb.sh
CONTROL
        printf '/etc/kdumpd/kdumpd.json\n' >"$stage/DEBIAN/conffiles"
        cat >"$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
install -d -m 0700 /var/crash
if [ "$1" = configure ]; then deb-systemd-helper enable kdumpd.service >/dev/null || true; fi
POSTINST
        chmod 0755 "$stage/DEBIAN/postinst"
        dpkg-deb --root-owner-group -Zgzip --build "$stage" "$out.tmp/kdumpd_0.0~standin1_amd64.deb" >>"$out.tmp/build.log"
        rm -rf "$stage"
    fi
    rm -rf "$out"; mv "$out.tmp" "$out"
    echo "installed: kdumpd package built in $((SECONDS - start)) s: $(ls "$out"/*.deb)" >&2
fi
ls "$out"/kdumpd_*.deb | head -1
