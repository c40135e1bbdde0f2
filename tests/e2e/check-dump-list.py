#!/usr/bin/env python3
"""check-dump-list.py LIST.json KERNEL_RELEASE [incomplete]: `kdumpd dumps list --format json`
must list exactly one dump of KERNEL_RELEASE, complete (or, with "incomplete", marked incomplete:
the capture-initrd-target-full fault).  Lenient about the JSON's shape
(a bare array, or an object with the array under any key) and field names (a key
containing 'complete' that is true, or a state/status equal to 'complete');
prints a one-line summary, exit 1 with the reason on failure."""
import json, sys

def dumps_of(doc):
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for v in doc.values():
            if isinstance(v, list) and all(isinstance(x, dict) for x in v):
                return v
    return None

def strings(o):
    if isinstance(o, dict):
        for v in o.values():
            yield from strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from strings(v)
    elif isinstance(o, str):
        yield o

def complete(d):
    for k, v in d.items():
        kl = k.lower()
        if "incomplete" in kl and isinstance(v, bool):
            return not v
        if "complete" in kl and isinstance(v, bool):
            return v
        if kl in ("state", "status") and isinstance(v, str):
            return v.lower() == "complete"
    return None

try:
    doc = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"not JSON ({e.__class__.__name__}: {e})"); sys.exit(1)
ds = dumps_of(doc)
if ds is None:
    print("no array of dumps in the JSON"); sys.exit(1)
if len(ds) != 1:
    print(f"{len(ds)} dumps listed, expected exactly 1"); sys.exit(1)
d = ds[0]
if sys.argv[2] not in set(strings(d)):
    print(f"the dump does not carry kernel release {sys.argv[2]}: {json.dumps(d)[:300]}"); sys.exit(1)
c = complete(d)
want = not (len(sys.argv) > 3 and sys.argv[3] == "incomplete")
if c is not want:
    print(f"the dump is not marked {'complete' if want else 'incomplete'} ({'no complete/state field' if c is None else 'complete' if c else 'incomplete'}): {json.dumps(d)[:300]}"); sys.exit(1)
print(f"1 {'complete' if want else 'incomplete'} dump, release {sys.argv[2]}, id {d.get('id', '?')}")
