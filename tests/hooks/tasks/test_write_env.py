from __future__ import annotations

from pathlib import Path

from ..load import load_hook

write_env = load_hook("tasks/write_env")


def test_copies_example_when_env_is_missing(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("PORT=8000\n")
    assert write_env.main(tmp_path) == 0
    assert (tmp_path / ".env").read_text() == "PORT=8000\n"


def test_never_overwrites_an_existing_env(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("PORT=8000\n")
    (tmp_path / ".env").write_text("PORT=9999\nOPENAI_API_KEY=mine\n")
    assert write_env.main(tmp_path) == 0
    assert (tmp_path / ".env").read_text() == "PORT=9999\nOPENAI_API_KEY=mine\n"


def test_without_example_writes_nothing(tmp_path: Path, capsys) -> None:
    assert write_env.main(tmp_path) == 0
    assert not (tmp_path / ".env").exists()
    assert ".env.example is missing" in capsys.readouterr().out
