"""SIGKILL at random points, many times: every acknowledged update's effect is there, none twice,
and the database stays intact."""

import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.crash_child import HOUSEHOLDS

REQUESTS = 120
KILLS = 6


def run_child(database: Path, kill_after: int | None) -> list[int]:
    """Start the bot; kill it with SIGKILL after ``kill_after`` acknowledgements (None: let it finish)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_child", str(database), str(REQUESTS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    acked: list[int] = []
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("ACK "):
            acked.append(int(line.split()[1]))
            if kill_after is not None and len(acked) >= kill_after:
                child.send_signal(signal.SIGKILL)
                break
    child.wait(timeout=60)
    child.stdout.close()
    assert kill_after is not None or child.returncode == 0, "the bot process failed"
    assert acked, "the bot process acknowledged nothing"
    return acked


def test_sigkill_at_random_points_loses_nothing_acknowledged_and_repeats_nothing(tmp_path):
    database = tmp_path / "crash.sqlite3"
    rng = random.Random(20220401)
    total = HOUSEHOLDS + REQUESTS
    acknowledged: set[int] = set()
    for _ in range(KILLS):
        acknowledged |= set(run_child(database, kill_after=rng.randint(1, total - 1)))
        with sqlite3.connect(database) as conn:
            handled = {row[0] for row in conn.execute("SELECT update_id FROM processed_updates")}
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Everything acknowledged before the kill is stored (the update id commits with its effect).
        assert acknowledged <= handled
    acknowledged |= set(run_child(database, kill_after=None))
    assert acknowledged == set(range(1, total + 1))
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        requests = conn.execute("SELECT count(*) FROM med_requests").fetchone()[0]
        items = conn.execute("SELECT count(*) FROM med_items").fetchone()[0]
        created = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'med.new'").fetchone()[0]
        members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
    assert requests == items == created == REQUESTS  # each request exactly once
    assert members == HOUSEHOLDS
