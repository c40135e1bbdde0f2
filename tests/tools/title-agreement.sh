#!/bin/sh
# Crash-title agreement with syzkaller's labelled reports (tests/data/oops-syzkaller): prints the
# held-out and whole figures; the misses (name, expected, got; * = held out) go to $1 or /tmp/title-agreement.txt.
set -eu
cd "$(dirname "$0")/../.."
out="${1:-/tmp/title-agreement.txt}"
KDUMPD_TITLE_REPORT="$out" dotnet test tests/Core.Tests --filter "FullyQualifiedName~TitleCorpusTests" >/dev/null || true
head -2 "$out"
