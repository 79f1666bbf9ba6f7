"""Checking the signatures of large batches of events in a second process.

Signature checks are most of the cost of taking in events. For a large submission the node
hands them to a worker process (`python -m multitude.verifier`) while it stores and folds the
batch before, so on a machine with two cores the two overlap. The first batch is checked in
place, so small submissions never start a process, and if the worker cannot be started or
dies, checks go on in place: the answer is the same, only slower.

The worker speaks a fixed-size binary protocol on its standard streams: a request is a 4-byte
count and that many records (public key, signed message, signature); the answer is one byte
per record, 1 when the signature holds. At most one request is outstanding: a new one is
written only once the answer to the last has been read, so no pipe ever has to hold more than
one message, whatever its size.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from multitude.ledger import Event
from multitude.ledger.event import DOMAIN, signing_message
from multitude.ledger.keys import verify_signature

__all__ = ["MAX_BATCH", "SignatureChecks", "check_signatures"]

_PUBLIC, _MESSAGE, _SIGNATURE = 32, len(DOMAIN) + 32, 64
_RECORD = _PUBLIC + _MESSAGE + _SIGNATURE
# An answer must fit in a pipe's buffer (64 KiB on Linux) so the worker never blocks on it.
MAX_BATCH = 60_000

Triple = tuple[bytes, bytes, bytes]  # (public key, signed message, signature)


def check_signatures(triples: Sequence[Triple]) -> list[bool]:
    """Whether each signature holds."""
    return [verify_signature(public, message, signature) for public, message, signature in triples]


def _triples(records: bytes) -> list[Triple]:
    cut = (_PUBLIC, _PUBLIC + _MESSAGE, _RECORD)
    return [
        (records[at : at + cut[0]], records[at + cut[0] : at + cut[1]], records[at + cut[1] : at + cut[2]])
        for at in range(0, len(records), _RECORD)
    ]


def _serve() -> None:
    """The worker: answer requests until its input closes."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while header := source.read(4):
        count = int.from_bytes(header, "big")
        records = source.read(count * _RECORD)
        if len(records) != count * _RECORD:
            return
        sink.write(bytes(check_signatures(_triples(records))))
        sink.flush()


class _Answer:
    """The answers to one request, read from the worker once, when first asked for."""

    def __init__(self, read: Callable[[], list[bool]]) -> None:
        self._read = read
        self._answers: list[bool] | None = None

    def __call__(self) -> list[bool]:
        if self._answers is None:
            self._answers = self._read()
        return self._answers


class SignatureChecks:
    """Starts the signature checks of one batch after another; use as a context manager.

    `start` returns a function that gives the batch's answers when called.
    """

    def __init__(self) -> None:
        self._outstanding: _Answer | None = None
        self._worker: subprocess.Popen[bytes] | None = None
        self._failed = False
        self._batches = 0

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        if self._worker is None and not self._failed:
            package_root = str(Path(__file__).resolve().parent.parent)
            path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
            try:
                # -P: never put the working directory (a USB stick, say) on the worker's path.
                self._worker = subprocess.Popen(
                    [sys.executable, "-P", "-m", "multitude.verifier"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env={**os.environ, "PYTHONPATH": path},
                )
            except OSError:
                self._failed = True
        return self._worker

    def start(self, events: Sequence[Event]) -> Callable[[], list[bool]]:
        """Begin checking a batch; the returned function gives its answers (once ready)."""
        if len(events) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} events per batch")
        if self._outstanding is not None:
            self._outstanding()  # read the last answer before asking again
        triples = [(bytes.fromhex(e.author), signing_message(e.id), bytes.fromhex(e.sig)) for e in events]
        self._batches += 1
        worker = self._spawn() if self._batches > 1 else None
        if worker is None or worker.stdin is None or worker.stdout is None:
            answers = check_signatures(triples)
            return lambda: answers
        try:
            worker.stdin.write(len(triples).to_bytes(4, "big") + b"".join(b"".join(t) for t in triples))
            worker.stdin.flush()
        except (OSError, ValueError):
            self._give_up()
            answers = check_signatures(triples)
            return lambda: answers
        stdout = worker.stdout

        def read() -> list[bool]:
            try:
                answer = stdout.read(len(triples))
            except (OSError, ValueError):  # the worker died, or its stream was closed
                answer = b""
            if len(answer) != len(triples):
                self._give_up()
                return check_signatures(triples)
            return [byte == 1 for byte in answer]

        self._outstanding = _Answer(read)
        return self._outstanding

    def _give_up(self) -> None:
        self._failed = True
        self.close()

    def close(self) -> None:
        if self._outstanding is not None:
            outstanding, self._outstanding = self._outstanding, None
            outstanding()  # read (or check in place) what was asked, before the worker goes
        worker, self._worker = self._worker, None
        if worker is not None:
            if worker.stdin is not None:
                with contextlib.suppress(OSError):
                    worker.stdin.close()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            if worker.stdout is not None:
                worker.stdout.close()

    def __enter__(self) -> SignatureChecks:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


if __name__ == "__main__":
    _serve()
