namespace Labd.IntegrationTests.TestBed;

/// <summary>The fake internet's set-up script and servers (ESCAPE-SUITE.md "Test bed").</summary>
internal static class TestBedScripts
{
    /// <summary>Creates (after deleting leftovers) netns labdt-inet, the veth pair, the
    /// metadata stand-in address and the test CA. Argument: the test bed directory.
    /// This kernel may lack the dummy driver; then the metadata address goes on the host
    /// side of the veth, which keeps it host-local all the same.</summary>
    public const string Setup = """
set -eu
D="$1"
ip netns del labdt-inet 2>/dev/null || true
ip link del labdt-inet0 2>/dev/null || true
ip link del labdt-meta 2>/dev/null || true
ip netns add labdt-inet
ip link add labdt-inet0 type veth peer name labdt-inet1
ip link set labdt-inet1 netns labdt-inet
ip addr add 198.51.100.1/24 dev labdt-inet0
ip link set labdt-inet0 up
ip netns exec labdt-inet ip link set lo up
for a in 10 20 66 53; do ip netns exec labdt-inet ip addr add 198.51.100.$a/24 dev labdt-inet1; done
ip netns exec labdt-inet ip link set labdt-inet1 up
if ip link add labdt-meta type dummy 2>/dev/null; then META=labdt-meta; ip link set labdt-meta up; else META=labdt-inet0; fi
ip addr add 169.254.169.254/32 dev $META
cd "$D"
rm -f ca.* site.* evil.*
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 7 -subj /CN=labd-test-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout site.key -out site.csr -subj /CN=allowed.test 2>/dev/null
printf 'subjectAltName=DNS:allowed.test,DNS:*.allowed.test,DNS:denied.test\nbasicConstraints=CA:FALSE\n' > site.ext
openssl x509 -req -in site.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out site.pem -days 7 -extfile site.ext 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout evil.key -out evil.pem -days 7 -subj /CN=evil.test 2>/dev/null
""";

    public const string Teardown = """
ip netns del labdt-inet 2>/dev/null || true
ip link del labdt-inet0 2>/dev/null || true
ip link del labdt-meta 2>/dev/null || true
""";

    /// <summary>The servers: role "inet" inside the netns, role "canaries" on the host.</summary>
    public const string Servers = """
# labd-testbed: the fake internet's servers. Role "inet" runs inside netns labdt-inet,
# role "canaries" on the host. Prints READY once every socket is bound.
import http.server, socket, socketserver, ssl, sys, threading

def log(path, line):
    with open(path, 'a') as f:
        f.write(line + '\n')

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    timeout = 10
    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()
    def do_GET(self):
        host = self.headers.get('Host', '')
        n = int(self.headers.get('Content-Length', '0') or 0)
        body_in = self.rfile.read(n) if n else b''
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            while True:
                size = int(self.rfile.readline().split(b';')[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    break
                body_in += self.rfile.read(size)
                self.rfile.readline()
        label = self.server.label(host)
        log(self.server.logpath, f'{label} {self.client_address[0]} {self.command} {self.path} Host={host} body={len(body_in)}')
        body = f'{label} host={host} path={self.path}\n'.encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    def log_message(self, *args):
        pass

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

def http_server(addr, port, label, logpath, tls=None, family=socket.AF_INET):
    Server.address_family = family
    s = Server((addr, port), Handler)
    s.label, s.logpath = label, logpath
    if tls:
        s.socket = tls.wrap_socket(s.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=s.serve_forever, daemon=True).start()

def tls_context(cert, key, logpath=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if logpath:
        ctx.sni_callback = lambda sock, name, c: log(logpath, f'EVIL TLS SNI={name}')
    return ctx

def tcp_sink(addr, port, logpath):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(16)
    def serve(c, peer):
        c.settimeout(5)
        try:
            data = c.recv(4096)
            log(logpath, f'EVIL TCP {port} from {peer[0]}: {data!r}')
        except OSError:
            log(logpath, f'EVIL TCP {port} from {peer[0]} (no data)')
        c.close()
    def loop():
        while True:
            c, peer = s.accept()
            log(logpath, f'EVIL TCP {port} connection from {peer[0]}')
            threading.Thread(target=serve, args=(c, peer), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()

def udp_sink(addr, port, logpath):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, port))
    def loop():
        while True:
            data, peer = s.recvfrom(65535)
            log(logpath, f'EVIL UDP {port} from {peer[0]}: {data!r}')
    threading.Thread(target=loop, daemon=True).start()

def dns_server(addr, logpath):
    table = {'allowed.test': ['198.51.100.10'], 'denied.test': ['198.51.100.20'], 'evil.test': ['198.51.100.66'],
             'rebind.allowed.test': ['127.0.0.1', '169.254.169.254', '198.51.100.1']}
    counts = {}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, 53))
    def loop():
        while True:
            q, peer = s.recvfrom(4096)
            try:
                i, labels = 12, []
                while q[i]:
                    labels.append(q[i + 1:i + 1 + q[i]].decode('latin-1')); i += 1 + q[i]
                qtype = int.from_bytes(q[i + 1:i + 3], 'big'); question = q[12:i + 5]
            except IndexError:
                continue
            name = '.'.join(labels).lower()
            log(logpath, f'QUERY {name} type={qtype} from {peer[0]}')
            ips = table.get(name)
            if ips and len(ips) > 1:
                k = counts.get(name, 0); counts[name] = k + 1; ips = [ips[k % len(ips)]]
            answers = [ip for ip in (ips or []) if qtype == 1]
            flags = 0x8180 | (0 if ips else 3)
            out = q[:2] + flags.to_bytes(2, 'big') + b'\x00\x01' + len(answers).to_bytes(2, 'big') + b'\x00\x00\x00\x00' + question
            for ip in answers:
                out += b'\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x05\x00\x04' + socket.inet_aton(ip)
            s.sendto(out, peer)
    threading.Thread(target=loop, daemon=True).start()

def main():
    role, d = sys.argv[1], sys.argv[2]
    if role == 'inet':
        site = tls_context(f'{d}/site.pem', f'{d}/site.key')
        vhost = lambda host: 'DENIED-VHOST' if host.split(':')[0].lower() == 'denied.test' else 'ALLOWED'
        http_server('198.51.100.10', 80, vhost, f'{d}/allowed.log')
        http_server('198.51.100.10', 443, vhost, f'{d}/allowed.log', site)
        http_server('198.51.100.20', 80, lambda h: 'DENIED', f'{d}/denied.log')
        http_server('198.51.100.20', 443, lambda h: 'DENIED', f'{d}/denied.log', site)
        http_server('198.51.100.66', 443, lambda h: 'EVIL', f'{d}/evil.log', tls_context(f'{d}/evil.pem', f'{d}/evil.key', f'{d}/evil.log'))
        for port in (22, 80, 8080):
            tcp_sink('198.51.100.66', port, f'{d}/evil.log')
        for port in (53, 443):
            udp_sink('198.51.100.66', port, f'{d}/evil.log')
        dns_server('198.51.100.53', f'{d}/dns.log')
    else:
        canaries = [('127.0.0.1', 18001, 'HOST-LOOPBACK', socket.AF_INET), ('0.0.0.0', 18002, 'HOST-ANY', socket.AF_INET),
                    ('::1', 18003, 'HOST-V6', socket.AF_INET6), ('169.254.169.254', 80, 'METADATA', socket.AF_INET)]
        for addr, port, label, family in canaries:
            try:
                http_server(addr, port, lambda h, label=label: label, f'{d}/canary.log', family=family)
            except OSError as e:
                print(f'SKIP {label} {addr}:{port}: {e}', flush=True)
    print('READY', flush=True)
    threading.Event().wait()

main()
""";
}
