#!/usr/bin/python3 -u
"""kdumpd-stub.py: a stand-in for kdumpd, for testing the e2e HARNESS only.

    E2E_KDUMPD=$PWD/tests/e2e/selftest/kdumpd-stub.py tests/e2e/run.sh

It implements, crudely and with kexec/makedumpfile, just the verbs and options the
scenarios call, so that every phase of the harness (capture, post boot, API download,
reload after hotplug) can be exercised before the real verbs exist.  It proves nothing
about kdumpd; it is never used unless E2E_KDUMPD points at it."""
import urllib.parse, hashlib, http.server, json, os, re, secrets, shutil, socket, subprocess, sys, threading, time

STATE = "/run/kdumpd-stub"
MARKER = "kdumpd.capture"

def opt(args, name, default=None):
    return args[args.index(name) + 1] if name in args else default

def read(p):
    with open(p) as f:
        return f.read().strip()

def guest_config():
    cfg = {}
    for line in open("/kdump-out/config"):
        m = re.match(r"(\w+)='(.*)'$", line.strip())
        if m:
            cfg[m.group(1)] = m.group(2)
    return cfg

def generation():
    try:
        return int(read(STATE + "/generation"))
    except OSError:
        return 0

def load(loader="kexec-file", kernel=None, initrd=None):
    cfg = guest_config()
    kernel = kernel or cfg["KERNEL"]; initrd = initrd or cfg["INITRD"]
    have = int(read("/sys/kernel/kexec_crash_size"))
    need = os.path.getsize(kernel) + os.path.getsize(initrd) + 64 * 2**20
    if have < need:
        print(f"kdumpd-stub: crash reservation {have // 2**20}M ({have} bytes) is smaller than needed {need // 2**20}M ({need} bytes)", file=sys.stderr)
        return 1
    cmd = re.sub(r"\b(crashkernel|panic)=\S*", "", read("/proc/cmdline"))
    cmd = " ".join(cmd.split() + ["irqpoll", "nr_cpus=1", "reset_devices", "panic=1", "acpi_no_memhotplug", MARKER])
    flag = "-c" if loader == "kexec-tools" else "-s"
    r = subprocess.run(["kexec", flag, "-p", kernel, "--initrd=" + initrd, "--append=" + cmd])
    if r.returncode == 0:
        os.makedirs(STATE, exist_ok=True)
        g = generation() + 1
        with open(STATE + "/generation", "w") as f:
            f.write(str(g))
    return r.returncode

def release_of(path):
    with open(path, "rb") as f:
        m = re.search(rb"OSRELEASE=([^\n\0]+)", f.read(4 * 2**20))
    return m.group(1).decode() if m else None

def dumps(d):
    out = []
    for e in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        v = os.path.join(d, e, "vmcore")
        if os.path.isfile(v):
            out.append({"id": e, "directory": os.path.join(d, e), "kernelRelease": release_of(v),
                        "complete": True, "size": os.path.getsize(v)})
    return out

def capture(args):
    d = opt(args, "--dump-dir", "/var/crash")
    t = os.path.join(d, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + socket.gethostname())
    os.makedirs(t)
    tmp = os.path.join(t, "vmcore-incomplete")
    mode = ["-E"] if opt(args, "--collector") == "builtin" else ["-c"]
    r = subprocess.run(["makedumpfile", *mode, "-d", "31", "/proc/vmcore", tmp], stdout=subprocess.DEVNULL)
    if r.returncode:
        return r.returncode
    os.rename(tmp, os.path.join(t, "vmcore"))
    subprocess.run(["makedumpfile", "--dump-dmesg", "/proc/vmcore", os.path.join(t, "dmesg.txt")], stdout=subprocess.DEVNULL)
    return 0

def token_new(args):
    cfg_path = opt(args, "--config")
    tok = secrets.token_hex(24)
    cfg = json.load(open(cfg_path)) if os.path.exists(cfg_path) else {}
    cfg.setdefault("tokens", []).append({"role": opt(args, "--role"), "name": opt(args, "--name"),
                                         "sha256": hashlib.sha256(tok.encode()).hexdigest()})
    json.dump(cfg, open(cfg_path, "w"))
    print(f"token: {tok}")
    return 0

def run(args):
    cfg = json.load(open(opt(args, "--config")))
    hashes = {t["sha256"] for t in cfg.get("tokens", [])}
    dump_dir = opt(args, "--dump-dir", "/var/crash")
    port = int(opt(args, "--urls", "http://127.0.0.1:5080").rsplit(":", 1)[1])
    if read("/sys/kernel/kexec_crash_loaded") != "1" and load():
        print("kdumpd-stub: load failed", file=sys.stderr)

    def watch():   # reload when System RAM changes (a crude stand-in for the uevent watcher)
        last = read("/proc/iomem")
        while True:
            time.sleep(1)
            now = read("/proc/iomem")
            if now != last:
                time.sleep(1)
                last = read("/proc/iomem")
                print("kdumpd-stub: iomem changed, reloading", flush=True)
                load()
    threading.Thread(target=watch, daemon=True).start()

    class H(http.server.BaseHTTPRequestHandler):
        def send(self, code, body, ctype="application/json"):
            self.send_response(code); self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        def do_GET(self):
            if self.path == "/healthz":
                return self.send(200, b"{}")
            if self.path == "/readyz":
                ok = read("/sys/kernel/kexec_crash_loaded") == "1"
                return self.send(200 if ok else 503, json.dumps({"loaded": ok}).encode())
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or hashlib.sha256(auth[7:].encode()).hexdigest() not in hashes:
                return self.send(401, b"{}")
            if self.path == "/v1/dumps":
                return self.send(200, json.dumps({"items": dumps(dump_dir)}).encode())
            m = re.fullmatch(r"/v1/dumps/([^/]+)/vmcore", urllib.parse.unquote(self.path))
            if m and os.path.isfile(os.path.join(dump_dir, m.group(1), "vmcore")):
                p = os.path.join(dump_dir, m.group(1), "vmcore")
                self.send_response(200); self.send_header("Content-Length", str(os.path.getsize(p))); self.end_headers()
                with open(p, "rb") as f:
                    shutil.copyfileobj(f, self.wfile, 1 << 20)
                return
            self.send(404, b"{}")
    http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()

def main(a):
    if a[:1] == ["load"]:
        return load(opt(a, "--loader", "kexec-file"), opt(a, "--kernel"), opt(a, "--initrd"))
    if a[:1] == ["status"]:
        print(json.dumps({"loaded": read("/sys/kernel/kexec_crash_loaded") == "1", "generation": {"number": generation()}}))
        return 0
    if a[:1] == ["capture"]:
        return capture(a)
    if a[:2] in (["dumps", "rescan"], ["dumps", "list"]):
        print(json.dumps(dumps(opt(a, "--dump-dir", "/var/crash"))))
        return 0
    if a[:2] == ["token", "new"]:
        return token_new(a)
    if a[:1] == ["run"]:
        return run(a)
    print(f"kdumpd-stub: unknown verb {' '.join(a)}", file=sys.stderr)
    return 2

sys.exit(main(sys.argv[1:]))
