"""Group commit (#17): commands committing at the same moment share one transaction, a command in
conflict fails alone, and a database that is away fails them all with nothing written."""

import threading
import time

import pytest
from eventsourcing.persistence import IntegrityError
from relais_runtime.group_commit import GroupCommit


class Store:
    """A store whose transactions take a while (so that commands pile up behind one) and refuse
    a version written twice, as the event store's unique key does."""

    def __init__(self, away: bool = False):
        self.rows: list[str] = []
        self.transactions = 0
        self.away = away
        self.lock = threading.Lock()

    def put(self, events):
        with self.lock:
            time.sleep(0.01)
            if self.away:
                raise ConnectionError("database away")
            if len(set(events)) < len(events) or set(events) & set(self.rows):
                raise IntegrityError("duplicate version")
            self.rows += events
            self.transactions += 1
            return [f"recorded {e}" for e in events]


def run_all(commit: GroupCommit, commands: list[list[str]]) -> list:
    results: list = [None] * len(commands)

    def command(k: int) -> None:
        try:
            results[k] = commit(commands[k])
        except Exception as exc:  # noqa: BLE001 - what the command's thread would raise
            results[k] = exc

    threads = [threading.Thread(target=command, args=(k,)) for k in range(len(commands))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_commands_share_transactions_and_each_gets_its_own_recordings():
    store = Store()
    commit = GroupCommit(store.put)
    commands = [[f"c{k}-1", f"c{k}-2"] for k in range(40)]
    results = run_all(commit, commands)
    assert results == [[f"recorded {e}" for e in events] for events in commands]
    assert sorted(store.rows) == sorted(e for events in commands for e in events)
    assert store.transactions < 40  # several commands per transaction


def test_a_command_in_conflict_fails_alone_and_the_others_are_written():
    store = Store()
    store.rows.append("dossier-v2")  # another command already wrote this version
    commit = GroupCommit(store.put)
    commands = [[f"c{k}"] for k in range(20)] + [["dossier-v2"]]
    results = run_all(commit, commands)
    assert isinstance(results[-1], IntegrityError)
    assert results[:-1] == [[f"recorded c{k}"] for k in range(20)]
    assert sorted(store.rows) == sorted(["dossier-v2", *(f"c{k}" for k in range(20))])


def test_two_commands_writing_the_same_version_one_wins_one_is_refused():
    store = Store()
    results = run_all(GroupCommit(store.put), [["dossier-v3"], ["dossier-v3"]])
    assert sorted(type(r).__name__ for r in results) == ["IntegrityError", "list"]
    assert store.rows == ["dossier-v3"]


def test_a_database_away_fails_every_command_and_writes_nothing():
    store = Store(away=True)
    results = run_all(GroupCommit(store.put), [[f"c{k}"] for k in range(10)])
    assert all(isinstance(r, ConnectionError) for r in results)
    assert store.rows == []


@pytest.mark.parametrize("most", [1, 3])
def test_no_more_than_most_commands_per_transaction(most):
    store = Store()
    seen: list[int] = []

    def put(events):
        seen.append(len(events))
        return store.put(events)

    run_all(GroupCommit(put, most=most), [[f"c{k}"] for k in range(12)])
    assert max(seen) <= most and sum(seen) == 12
