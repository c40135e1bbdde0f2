#!/usr/bin/env python3
"""qmp.py SOCKET ACTION - tiny QMP client for the e2e harness (host side).
ACTION: mem-add (object-add memory-backend-ram 512M + device_add pc-dimm) | query
Prints the JSON transcript; exits non-zero if a command failed."""
import json, socket, sys

def main():
    path, action = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    f = s.makefile("rwb", buffering=0)
    def rd():
        line = f.readline()
        if not line:
            raise SystemExit("QMP connection closed")
        return json.loads(line)
    def cmd(name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        print(">>> " + json.dumps(req), flush=True)
        f.write((json.dumps(req) + "\n").encode())
        while True:
            m = rd()
            print("<<< " + json.dumps(m), flush=True)
            if "return" in m or "error" in m:
                return m
    print("<<< " + json.dumps(rd()), flush=True)  # greeting
    cmd("qmp_capabilities")
    rc = 0
    if action == "mem-add":
        for name, args in [("object-add", {"qom-type": "memory-backend-ram", "id": "mem1", "size": 512 * 1024 * 1024}),
                           ("device_add", {"driver": "pc-dimm", "id": "dimm1", "memdev": "mem1"})]:
            if "error" in cmd(name, **args):
                rc = 1
        cmd("query-memory-devices")
    elif action == "query":
        cmd("query-memory-devices")
        cmd("query-memory-size-summary")
    else:
        print("unknown action", action)
        rc = 2
    s.settimeout(1.0)
    try:
        while True:
            print("<<< " + json.dumps(rd()), flush=True)
    except (socket.timeout, TimeoutError, SystemExit, OSError):
        pass
    sys.exit(rc)

main()
