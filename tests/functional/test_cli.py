"""The operator CLI as an operator runs it: a real process per command, settings from the
environment, exit codes and messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from carbonledger import db
from carbonledger.accounts.tables import citizens
from carbonledger.config import Settings
from carbonledger.ingest.signing import public_key_b64
from carbonledger.platform import Platform
from tests.commands import run
from tests.factories import id_number, phone


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_partner_citizen_link_code_and_suspension(data_dir: Path) -> None:
    key = public_key_b64(Ed25519PrivateKey.generate())
    added = run(data_dir, "partner", "add", "mobike", "--name", "Mobike", "--public-key", key)
    assert added.returncode == 0, added.stderr
    assert (
        run(data_dir, "partner", "add", "mobike", "--name", "Again", "--public-key", key).returncode
        == 1
    )
    citizen = run(
        data_dir, "citizen", "add", "--name", "张三", "--phone", phone(), "--id-number", id_number()
    )
    assert citizen.returncode == 0, citizen.stderr
    citizen_id = citizen.stdout.strip()
    assert len(citizen_id) == 26
    code = run(data_dir, "citizen", "link-code", citizen_id, "mobike")
    assert code.returncode == 0 and len(code.stdout.strip()) == 8
    assert run(data_dir, "partner", "suspend", "mobike").returncode == 0
    assert run(data_dir, "partner", "suspend", "nobody").returncode == 1
    assert (data_dir / "secrets" / "log.key").stat().st_mode & 0o777 == 0o600


def test_personal_data_is_stored_only_protected(data_dir: Path) -> None:
    number, mobile = id_number(), phone()
    result = run(
        data_dir, "citizen", "add", "--name", "李四", "--phone", mobile, "--id-number", number
    )
    assert result.returncode == 0, result.stderr
    raw = b"".join(path.read_bytes() for path in data_dir.glob("carbonledger.db*"))  # with the WAL
    assert len(raw) > 10_000
    for secret in (number, mobile, "李四"):
        assert secret.encode() not in raw


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["--name", "王五", "--phone", "13912345678", "--id-number", "110105194912310021"],
            "check digit",
        ),
        (
            ["--name", "王五", "--phone", "12345", "--id-number", "11010519491231002X"],
            "mobile number",
        ),
        (["--name", "", "--phone", "13912345678", "--id-number", "11010519491231002X"], "name"),
    ],
)
def test_bad_citizen_input_says_what_to_fix(data_dir: Path, args: list[str], fragment: str) -> None:
    result = run(data_dir, "citizen", "add", *args)
    assert result.returncode == 1
    assert fragment in result.stderr
    platform = Platform.open(Settings(data_dir=data_dir))
    with db.read(platform.engine) as conn:
        assert conn.execute(select(citizens)).first() is None  # nothing half-written
    platform.close()


def test_bad_partner_key_is_refused(data_dir: Path) -> None:
    result = run(data_dir, "partner", "add", "x1", "--name", "X", "--public-key", "abc")
    assert result.returncode == 1 and "base64" in result.stderr


def test_settings_choose_the_database(tmp_path: Path) -> None:
    elsewhere = tmp_path / "other.db"
    result = run(
        tmp_path / "d", "db", "upgrade", CARBONLEDGER_DATABASE_URL=f"sqlite:///{elsewhere}"
    )
    assert result.returncode == 0, result.stderr
    assert elsewhere.exists() and not (tmp_path / "d" / "carbonledger.db").exists()
