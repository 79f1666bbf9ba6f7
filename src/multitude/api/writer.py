"""Writes of concurrent requests, gathered: requests that sign at the same moment (on the same
turn of the event loop) are appended together, in one transaction and one fold
(Node.act_many), instead of one transaction each. A person waits no longer for it (the batch
is written as soon as the loop is free), and a busy node writes several times faster.

Each request still gets its own answer: its receipt, or its own refusal with the rule's reason
and nothing of it stored. Two commands of one key never share a batch (the second builds on
the first), so the later one waits for the next turn."""

from __future__ import annotations

import asyncio

from multitude.node import Command, Node, Receipt

__all__ = ["Writer"]


class Writer:
    def __init__(self, node: Node) -> None:
        self.node = node
        self._waiting: list[tuple[Command, asyncio.Future[Receipt]]] = []
        self._scheduled = False

    async def act(self, command: Command) -> Receipt:
        """Sign and append `command` with those made at the same moment; Refused (or NodeError)
        when the rules refuse it, as Node.act would."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Receipt] = loop.create_future()
        self._waiting.append((command, answer))
        self._schedule(loop)
        return await answer

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._write, loop)

    def _write(self, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduled = False
        batch: list[tuple[Command, asyncio.Future[Receipt]]] = []
        later: list[tuple[Command, asyncio.Future[Receipt]]] = []
        keys: set[str] = set()
        for waiting in self._waiting:
            if waiting[1].done():  # the request was given up (its client went away): nothing to sign
                continue
            (later if waiting[0].key.public in keys else batch).append(waiting)
            keys.add(waiting[0].key.public)
        self._waiting = later
        if later:
            self._schedule(loop)
        if not batch:
            return
        try:
            results = self.node.act_many([command for command, _ in batch])
        except Exception as error:  # the store failed: every request of the batch hears it
            for _, answer in batch:
                if not answer.done():
                    answer.set_exception(error)
            return
        for (_, answer), result in zip(batch, results, strict=True):
            if answer.done():
                continue  # given up meanwhile; what it asked for is recorded all the same
            if isinstance(result, Exception):
                answer.set_exception(result)
            else:
                answer.set_result(result)
