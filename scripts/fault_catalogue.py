"""Build docs/fault-catalogue.md from the generated project's own catalogue.

Every generated project carries ``docs/fault-catalogue.md``: each fault it is tested against,
what it answers, and the test that proves it (its own suite checks those tests exist). This
page is that file, rendered with every option (all providers, all use cases). ``--write``
replaces the page; a template test fails when the two disagree, so the page cannot drift.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from config_reference import ROOT, render

PAGE = ROOT / "docs" / "fault-catalogue.md"
NOTE = """
!!! note "In your project"
    This page is the catalogue of a project generated with every option. Yours is in
    `docs/fault-catalogue.md`, with the rows of the options you chose, and its README links it.
"""


def build() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "my-service"
        render(project)
        text = (project / "docs" / "fault-catalogue.md").read_text()
    title, _, rest = text.partition("\n")
    return f"{title}\n{NOTE}{rest}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"replace {PAGE.name}")
    page = build()
    if parser.parse_args().write:
        PAGE.write_text(page)
        print(f"wrote {PAGE.relative_to(ROOT)}")
        return 0
    print(page, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
