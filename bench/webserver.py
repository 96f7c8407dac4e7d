#!/usr/bin/env python3
"""The benchmark's fake web host: serves the files of ROOT over HTTP, or HTTPS when given a
certificate and key. Plain HTTP uses sendfile so the server is not what limits throughput."""
import http.server
import os
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path = os.path.join(ROOT, os.path.basename(self.path.split("?")[0]))
        if not os.path.isfile(path):
            self.send_error(404)
            return
        size = os.path.getsize(path)
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        with open(path, "rb") as f:
            if isinstance(self.connection, ssl.SSLSocket):
                while chunk := f.read(1 << 20):
                    self.wfile.write(chunk)
            else:
                self.wfile.flush()
                self.connection.sendfile(f)

    def log_message(self, *args):
        pass


ROOT = sys.argv[1]
server = http.server.ThreadingHTTPServer((sys.argv[2], int(sys.argv[3])), Handler)
if len(sys.argv) > 5:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[4], sys.argv[5])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
