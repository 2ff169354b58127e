"""On `copier update` the hooks never commit and never overwrite a user's file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import run


def test_update_keeps_env_and_commits_nothing(copier: Any, tmp_path: Path) -> None:
    project = copier.copy(tmp_path / "p").path
    env = "LLM_PROVIDER=offline\nAPI_KEYS=my-local-key-0123456789\n"
    (project / ".env").write_text(env)
    (project / ".env.example").write_text((project / ".env.example").read_text() + "# mine\n")
    run(project, "git", "commit", "-qam", "my edits")

    copier.update(project, llm_providers=["openai", "anthropic"])

    assert (project / ".env").read_text() == env
    assert (project / ".env.example").read_text().endswith("# mine\n")
    assert (project / "src/acme_helper/llm/providers/anthropic.py").exists()
    assert '"anthropic>=' in (project / "pyproject.toml").read_text()
    assert 'name = "anthropic"' in (project / "uv.lock").read_text()  # relocked by the hook
    log = run(project, "git", "log", "--format=%s").stdout.splitlines()
    assert log == ["my edits", "Initial commit from the twelve-factor-llm template"]
