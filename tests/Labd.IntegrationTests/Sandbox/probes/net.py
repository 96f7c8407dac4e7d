"""Network probes run inside labd sandboxes: prints NAME=RESULT (ok:<banner> or the error)."""
import socket
import sys


def tcp(name, host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect((host, int(port)))
        print(f"{name}=ok:{s.recv(64).decode().strip()}", flush=True)
    except Exception as e:  # noqa: BLE001 - the error class is the result
        print(f"{name}={type(e).__name__}", flush=True)


def udp(name, host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.sendto(b"labd-udp-probe", (host, int(port)))
        print(f"{name}=sent", flush=True)
    except Exception as e:  # noqa: BLE001
        print(f"{name}={type(e).__name__}", flush=True)


def unix(name, path):
    """connect() to a Unix socket path, or an abstract name written @name."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect("\0" + path[1:] if path.startswith("@") else path)
        print(f"{name}=ok", flush=True)
    except Exception as e:  # noqa: BLE001
        print(f"{name}={type(e).__name__}:{getattr(e, 'errno', '')}", flush=True)


def raw(name, family, kind, proto):
    """socket(family, kind, proto) by number: ok or the error."""
    try:
        socket.socket(int(family), int(kind), int(proto)).close()
        print(f"{name}=ok", flush=True)
    except Exception as e:  # noqa: BLE001
        print(f"{name}={type(e).__name__}", flush=True)


{"tcp": tcp, "udp": udp, "unix": unix, "raw": raw}[sys.argv[1]](*sys.argv[2:])
