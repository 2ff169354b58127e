"""``admin eval``: run the golden cases of ``evals/<use_case>.yaml`` against the provider.

The configured provider and model answer each case, at most ``--concurrency`` at a time;
each case's checks are graded (see ``evals/cases.py``). A terminal sees a progress bar,
anything else one ``eval.case`` event per case; then one ``eval.summary``. ``--report``
writes the JSON report, ``--summary`` a Markdown table (CI appends it to the job's page),
``--baseline`` compares with an earlier report side by side (``eval.compare`` events). The
task exits 1, after an ``eval.below_min_pass`` event, when fewer than ``--min-pass`` of the
cases pass. An eval file that cannot be run fails the task naming its file, case and field.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import structlog

from ..core.evaluation import UseCase
from ..core.settings import Settings
from ..evals import report
from ..evals.cases import Case, EvalFileError, load
from ..evals.progress import Progress
from ..evals.runner import run_cases
from ..evals.use_cases import discover
from ..llm.services import Services
from .task import AdminError, AdminTask

log = structlog.get_logger(__name__)


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 0 to 1")
    return number


def _positive(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 1 to 64")
    return int(value)


def _use_case(value: str) -> str:
    """A use case that has evals: checked as the arguments are read, like every argument."""
    names = sorted(discover())
    if value not in names:
        raise argparse.ArgumentTypeError(f"{value!r} is not one of {', '.join(names)}")
    return value


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--use-case", type=_use_case, metavar="NAME", help="run only this use case's cases"
    )
    parser.add_argument(
        "--evals-dir",
        type=Path,
        default=Path("evals"),
        metavar="DIR",
        help="where the <use_case>.yaml files are (default: ./evals)",
    )
    parser.add_argument(
        "--concurrency", type=_positive, default=4, metavar="N", help="cases at a time (4)"
    )
    parser.add_argument(
        "--min-pass",
        type=_fraction,
        default=1.0,
        metavar="RATIO",
        help="exit 1 when fewer than this share of the cases pass, 0 to 1 (1.0: all)",
    )
    parser.add_argument("--report", type=Path, metavar="PATH", help="write the JSON report")
    parser.add_argument("--summary", type=Path, metavar="PATH", help="write a Markdown summary")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="REPORT",
        help="an earlier --report (another prompt version, say): compare side by side",
    )


def _cases(args: argparse.Namespace, use_cases: dict[str, UseCase[Services]]) -> list[Case]:
    names = sorted(use_cases)
    if args.use_case is not None and args.use_case not in use_cases:
        raise AdminError(f"--use-case {args.use_case!r}: not one of {', '.join(names)}")
    folder: Path = args.evals_dir
    if not folder.is_dir():
        raise AdminError(f"{folder} is not a folder of eval files (--evals-dir)")
    for path in sorted(folder.glob("*.yaml")):
        if path.stem not in use_cases:
            raise AdminError(f"{path}: no use case {path.stem!r} here (one of {', '.join(names)})")
    wanted = [args.use_case] if args.use_case is not None else names
    cases: list[Case] = []
    for name in wanted:
        path = folder / f"{name}.yaml"
        if not path.is_file():
            if args.use_case is not None:
                raise AdminError(f"{path} does not exist")
            continue
        try:
            cases += load(path, name, use_cases[name].input)
        except EvalFileError as exc:
            raise AdminError(str(exc)) from None
    if not cases:
        raise AdminError(f"no eval cases in {folder}: add <use_case>.yaml files")
    return cases


def _write(path: Path, text: str, option: str) -> None:
    try:
        path.write_text(text, "utf-8")
    except OSError as exc:
        raise AdminError(f"{option} {path}: cannot be written ({exc.strerror})") from None


def _run(settings: Settings, args: argparse.Namespace) -> int:
    use_cases = discover()
    cases = _cases(args, use_cases)
    baseline = None
    if args.baseline is not None:
        try:
            baseline = report.read_baseline(args.baseline)
        except ValueError as exc:
            raise AdminError(str(exc)) from None
    progress = Progress(len(cases))
    run = asyncio.run(run_cases(settings, use_cases, cases, args.concurrency, progress))
    built = report.build(run, args.min_pass)
    comparison = report.compare(built, baseline) if baseline is not None else None
    for row in comparison or []:
        log.info("eval.compare", **row)
    if args.report is not None:
        _write(args.report, json.dumps(built, indent=1, sort_keys=True) + "\n", "--report")
    if args.summary is not None:
        _write(args.summary, report.markdown(built, comparison), "--summary")
    log.info(
        "eval.summary",
        **{key: built[key] for key in ("total", "passed", "failed", "pass_rate", "min_pass")},
        provider=run.provider,
        model=run.model,
        concurrency=args.concurrency,
        max_in_flight=run.max_in_flight,
        duration_ms=run.duration_ms,
    )
    if built["pass_rate"] < args.min_pass:
        log.error("eval.below_min_pass", pass_rate=built["pass_rate"], min_pass=args.min_pass)
        return 1
    return 0


task = AdminTask(
    "run the eval cases of evals/ against the provider; exit 1 below --min-pass",
    _run,
    _arguments,
)
