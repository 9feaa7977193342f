"""A TCP proxy in front of the real RabbitMQ that a test can cut, like a broker going down.

`cut_after(n)` lets n more client->broker chunks through, then closes every connection before
forwarding the next one and refuses new connections until `restore()`.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class CuttableProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._budget: int | None = None
        self.down = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_after(self, chunks: int) -> None:
        with self._lock:
            self._budget = chunks

    def restore(self) -> None:
        with self._lock:
            self.down, self._budget = False, None

    def close(self) -> None:
        self._listener.close()
        self._cut()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, to_broker: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if to_broker and self._spend():
                    self._cut()
                    return
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _spend(self) -> bool:
        """True once the budget is used up: the broker is 'down' from then on."""
        with self._lock:
            if self.down:
                return True
            if self._budget is None:
                return False
            if self._budget == 0:
                self.down = True
                return True
            self._budget -= 1
            return False

    def _cut(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
