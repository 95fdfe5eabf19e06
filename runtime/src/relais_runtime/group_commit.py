"""Group commit: the events of commands that commit at the same moment written in one transaction
of the event store (#17).

Each commit of the event store takes its table lock and syncs the disk; commands running at once
queue on that lock one by one. Here, the first command to commit while no write is under way
writes its events and those of every command waiting meanwhile, in one transaction; the others
wait for it and are answered together. If that transaction meets a conflict (two commands
writing the same version of an aggregate, a retried creation), each command's events are written
again on their own, so that only the command in conflict fails, as it would have alone. A command
returns only once its events are committed: a 201 still means they are.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError

Put = Callable[[Sequence[Any]], list[Any]]


@dataclass(eq=False)
class _Waiting:
    events: Sequence[Any]
    recordings: list[Any] | None = None
    error: BaseException | None = None
    done: bool = False

    def result(self) -> list[Any]:
        if self.error is not None:
            raise self.error
        assert self.recordings is not None
        return self.recordings


@dataclass
class GroupCommit:
    put: Put  # writes events in one transaction, returns their recordings in order
    most: int = 64  # commands written together at most
    _queue: list[_Waiting] = field(default_factory=list)
    _writing: bool = False
    _cond: threading.Condition = field(default_factory=threading.Condition)
    batches: int = 0  # transactions written (for the tests and the benchmark)

    def __call__(self, events: Sequence[Any]) -> list[Any]:
        me = _Waiting(events)
        with self._cond:
            self._queue.append(me)
            while self._writing and not me.done:
                self._cond.wait()
            if me.done:
                return me.result()
            self._writing = True
            self._queue.remove(me)
            batch, self._queue = [me, *self._queue[: self.most - 1]], self._queue[self.most - 1 :]
        try:
            self._write(batch)
        finally:
            with self._cond:
                for waiting in batch:
                    waiting.done = True
                self._writing = False
                self._cond.notify_all()
        return me.result()

    def _write(self, batch: list[_Waiting]) -> None:
        self.batches += 1
        if len(batch) == 1:
            self._alone(batch[0])
            return
        try:
            recordings = self.put([e for w in batch for e in w.events])
        except IntegrityError:
            self.batches -= 1  # rolled back: each is written again on its own
            for waiting in batch:
                self.batches += 1
                self._alone(waiting)
            return
        except BaseException as exc:  # the database is away: nothing was written, for anyone
            for waiting in batch:
                waiting.error = exc
            return
        start = 0
        for waiting in batch:
            waiting.recordings = recordings[start : start + len(waiting.events)]
            start += len(waiting.events)

    def _alone(self, waiting: _Waiting) -> None:
        try:
            waiting.recordings = self.put(waiting.events)
        except BaseException as exc:  # noqa: BLE001 - the command's own failure, raised in its thread
            waiting.error = exc
