"""A real TCP proxy for fault tests: it forwards to a real server (PostgreSQL, Redis) until it
is told to fail, like the network or the server would.

- ``forward()``: bytes flow both ways (the normal state, and recovery).
- ``hang()``: connections stay open and new ones are accepted, but no byte goes through in
  either direction: a server that accepts connections and never answers (a stuck server, a
  half-dead network). What was sent meanwhile waits in the proxy and flows again on ``forward()``.
- ``refuse()``: nothing listens any more (connections are refused) and the open ones are
  cut: a server that is down.

Used as a context manager, it stops by itself; it only ever listens on 127.0.0.1.
"""
from __future__ import annotations

import selectors
import socket
import threading
from contextlib import suppress


class FaultyProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._flowing = threading.Event()
        self._flowing.set()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._pipes: list[tuple[socket.socket, socket.socket]] = []
        self._threads: list[threading.Thread] = []
        self.accepted = 0  # connections accepted so far (a test can tell a reconnection happened)

    # the states -----------------------------------------------------------------------------

    def forward(self) -> None:
        self._flowing.set()
        if self._listener is None:
            self._listen()

    def hang(self) -> None:
        self._flowing.clear()
        if self._listener is None:
            self._listen()

    def refuse(self) -> None:
        self._flowing.set()
        self._close_listener()
        self._cut_all()

    # lifecycle --------------------------------------------------------------------------------

    def start(self) -> "FaultyProxy":
        self._listen()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._flowing.set()
        self._close_listener()
        self._cut_all()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> "FaultyProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # the work ---------------------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))  # the same port again after refuse()
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._spawn(self._accept, listener)

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _cut_all(self) -> None:
        with self._lock:
            pipes, self._pipes = self._pipes, []
        for client, upstream in pipes:
            for sock in (client, upstream):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by refuse() or stop()
            self.accepted += 1
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pipes.append((client, upstream))
            self._spawn(self._pump, client, upstream)

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peer = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ)
            selector.register(upstream, selectors.EVENT_READ)
            try:
                while not self._stopped.is_set():
                    if not self._flowing.is_set():
                        self._flowing.wait(0.1)  # hung: leave the bytes where they are
                        continue
                    for key, _ in selector.select(0.1):
                        if not self._flowing.is_set():
                            break
                        data = key.fileobj.recv(65536)
                        if not data:
                            return
                        peer[key.fileobj].sendall(data)
            except OSError:
                return
            finally:
                with self._lock:
                    if (client, upstream) in self._pipes:
                        self._pipes.remove((client, upstream))
                client.close()
                upstream.close()
