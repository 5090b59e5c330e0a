"""A small SMTP server on 127.0.0.1 for tests that need mail to leave a process for real.

It speaks just enough SMTP for Django's SMTP backend and keeps every message it receives. With
`stall_after_first`, it takes in the first message and then does not answer it until `release()`
is called: the sender is stuck exactly between "delivered" and "told so". Addresses in `refuse` are
refused as unknown recipients. With `data_reply` (say "451 4.3.0 Try again later"), it takes in each
message and answers with that instead of accepting it, and keeps none.

`SilentServer` is a mail server that takes connections and never says a word.
"""

import socket
import socketserver
import threading


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, stall_after_first: bool = False, refuse: frozenset[str] = frozenset(), data_reply: str | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.refuse = refuse
        self.data_reply = data_reply
        self.connections = 0
        self.messages: list[bytes] = []
        self.received = threading.Event()
        self.stall_after_first = stall_after_first
        self.released = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.shutdown()
        self.server_close()

    def release(self):
        self.released.set()


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        server: SMTPServer = self.server
        server.connections += 1
        self.reply("220 localhost ESMTP test server")
        while line := self.rfile.readline():
            verb = line.strip().split(b" ", 1)[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 localhost")
            elif verb == b"RCPT" and any(address.encode() in line for address in server.refuse):
                self.reply("550 No such user here")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    chunks.append(chunk)
                if server.data_reply:
                    self.reply(server.data_reply)
                    continue
                server.messages.append(b"".join(chunks))
                server.received.set()
                if server.stall_after_first and len(server.messages) == 1:
                    server.released.wait(timeout=120)
                    self.request.shutdown(socket.SHUT_RDWR)
                    return
                self.reply("250 OK: queued")
            elif verb == b"QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SilentServer:
    """A listening socket nobody answers on: the kernel completes each connection, and the client then
    waits for a greeting that never comes."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=16)
        self.server_address = self.socket.getsockname()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.socket.close()
