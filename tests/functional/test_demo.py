"""The demo builds a small city through the real pipeline, its log verifies, and a second run
reuses it."""

from __future__ import annotations

from pathlib import Path

from tests.commands import run


def test_demo_builds_verifies_and_is_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    built = run(data_dir, "demo", "--citizens", "150", "--days", "2", "--build-only")
    assert built.returncode == 0, built.stderr
    assert "built the demo city" in built.stderr and "'accepted'" in built.stderr
    assert "/log/checkpoint" in built.stdout
    assert sorted(p.name for p in (data_dir / "partners").iterdir())[0] == "appliances.pem"
    verified = run(data_dir, "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("verified: ")
    reconciled = run(data_dir, "reconcile")
    assert reconciled.returncode == 0, reconciled.stderr
    assert "reconciled: every figure agrees" in reconciled.stdout
    again = run(data_dir, "demo", "--build-only")
    assert again.returncode == 0 and "reusing the demo city" in again.stderr
