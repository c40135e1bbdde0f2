#!/usr/bin/env python3
"""Host-side check of what the installed kdumpd showed after the reboot (tests/installed).

    check-catalogue.py OUT_DIR

OUT_DIR holds the guest's records (tests/installed/guest/e2e-post.sh) and its /var/crash under
OUT_DIR/crash. Checks: `kdumpd dumps list --format json` lists exactly one dump and it is
complete; the API's /v1/dumps lists the same dump, complete; its vmcore downloaded through the
API (HTTP 200) has the SHA-256 of the file on the disk (and of the catalogue's sha256 when set).
Prints "ok: <vmcore path on the host>" (exit 0) or "bad: <reason>" (exit 1).
"""
import hashlib
import json
import os
import sys


def items(doc):
    if isinstance(doc, list):
        return doc
    for key in ("items", "dumps", "data"):
        if isinstance(doc.get(key), list):
            return doc[key]
    raise ValueError(f"no list of dumps in {sorted(doc)}")


def complete(d):
    if isinstance(d.get("complete"), bool):
        return d["complete"]
    return str(d.get("state", d.get("status", ""))).lower() == "complete"


def load(out, name):
    path = os.path.join(out, name)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"{name}: {e}") from e


def main(out):
    cli = items(load(out, "dumps-list.json"))
    if len(cli) != 1:
        return f"kdumpd dumps list shows {len(cli)} dumps, expected exactly 1"
    d = cli[0]
    if not complete(d):
        return f"kdumpd dumps list: dump {d.get('id')} is not complete ({d.get('incomplete_reason')})"
    api = items(load(out, "api-dumps.json"))
    same = [x for x in api if x.get("id") == d.get("id")]
    if not same:
        return f"GET /v1/dumps does not list dump {d.get('id')} ({len(api)} dumps)"
    if not complete(same[0]):
        return f"GET /v1/dumps: dump {d.get('id')} is not complete"
    status = open(os.path.join(out, "download.status")).read().strip() if os.path.exists(os.path.join(out, "download.status")) else "none"
    if status != "200":
        err = open(os.path.join(out, "download.err")).read().strip()[:120] if os.path.exists(os.path.join(out, "download.err")) else ""
        return f"GET /v1/dumps/{d.get('id')}/vmcore answered {status} {err}"
    vm = d.get("vmcore_path") or same[0].get("vmcore_path")
    if not vm or not vm.startswith("/var/crash/"):
        return f"the catalogue's vmcore path is {vm!r}, expected under /var/crash"
    local = os.path.join(out, "crash", vm[len("/var/crash/"):])
    if not os.path.isfile(local):
        return f"{vm} is not on the disk image"
    h = hashlib.sha256()
    with open(local, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    on_disk = h.hexdigest()
    downloaded = open(os.path.join(out, "download.sha256")).read().strip()
    if downloaded != on_disk:
        return f"the download's SHA-256 {downloaded[:16]}… differs from the file on disk {on_disk[:16]}…"
    listed = d.get("sha256") or same[0].get("sha256")
    if listed and listed.lower() != on_disk:
        return f"the catalogue's sha256 {listed[:16]}… differs from the file on disk {on_disk[:16]}…"
    print(f"ok: {local} sha256 {on_disk[:16]}… ({os.path.getsize(local)} bytes)")
    return None


if __name__ == "__main__":
    try:
        problem = main(sys.argv[1])
    except (OSError, ValueError, KeyError, AttributeError) as e:
        problem = str(e)
    if problem:
        print(f"bad: {problem}")
        sys.exit(1)
