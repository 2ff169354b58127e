"""The run's JSON report, its Markdown summary, and the side-by-side with a baseline report.

The report holds, per case, every check with its verdict, the latency, the tokens, the cost
when known, the model and the prompt version. ``--baseline`` takes an earlier report (a run
with another version of a prompt, say) and puts the two runs' verdicts side by side.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .runner import Run

REPORT_VERSION = 1


def build(run: Run, min_pass: float) -> dict[str, Any]:
    passed = sum(result.passed for result in run.results)
    total = len(run.results)
    costs = [result.cost for result in run.results if result.cost is not None]
    return {
        "report_version": REPORT_VERSION,
        "provider": run.provider,
        "model": run.model,
        "total": total,
        "passed": passed,
        "failed": total - passed,
        "pass_rate": round(passed / total, 4) if total else 0.0,
        "min_pass": min_pass,
        "duration_ms": run.duration_ms,
        "cost": round(sum(costs), 10) if costs else None,  # of the priced cases
        "cases": [asdict(result) for result in run.results],
    }


def read_baseline(path: Path) -> dict[str, dict[str, Any]]:
    """An earlier report's cases by ``use_case/name``; ValueError saying what is wrong."""
    try:
        data = json.loads(path.read_text("utf-8"))
        return {f"{case['use_case']}/{case['name']}": case for case in data["cases"]}
    except OSError as exc:
        raise ValueError(f"--baseline {path}: cannot be read ({exc.strerror})") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(
            f"--baseline {path}: not a report of `admin eval --report` ({type(exc).__name__})"
        ) from None


def _verdict(case: dict[str, Any] | None) -> str:
    if case is None:
        return "missing"
    return "pass" if case["passed"] else "FAIL"


def compare(report: dict[str, Any], baseline: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per case of either run: each run's verdict and prompt version."""
    current = {f"{case['use_case']}/{case['name']}": case for case in report["cases"]}
    rows = []
    for key in [*current, *(key for key in baseline if key not in current)]:
        before, now = baseline.get(key), current.get(key)
        rows.append(
            {
                "case": key,
                "baseline": _verdict(before),
                "current": _verdict(now),
                "baseline_prompt_version": before and before.get("prompt_version"),
                "prompt_version": now and now.get("prompt_version"),
                "changed": _verdict(before) != _verdict(now),
            }
        )
    return rows


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return " ".join(text.replace("|", "\\|").split())[:120]


def _failed_checks(case: dict[str, Any]) -> str:
    failed = [check for check in case["checks"] if not check["passed"]]
    return "; ".join(f"{check['check']}: {check['detail']}" for check in failed)


def markdown(report: dict[str, Any], comparison: list[dict[str, Any]] | None = None) -> str:
    lines = [
        "## Evals",
        "",
        f"{report['passed']} of {report['total']} cases passed"
        f" ({report['pass_rate']:.0%}, minimum {report['min_pass']:.0%}),"
        f" provider {report['provider']}, model {report['model']}"
        + (f", cost {report['cost']}." if report["cost"] is not None else "."),
        "",
        "| Case | Result | Latency (ms) | Tokens in/out | Prompt | Failed checks |",
        "| --- | --- | ---: | ---: | --- | --- |",
    ]
    for case in report["cases"]:
        tokens = f"{case['input_tokens'] or 0}/{case['output_tokens'] or 0}"
        lines.append(
            f"| {_cell(case['use_case'] + '/' + case['name'])}"
            f" | {'pass' if case['passed'] else '**FAIL**'} | {case['latency_ms']:.0f}"
            f" | {tokens} | {_cell(case['prompt_version'])} | {_cell(_failed_checks(case))} |"
        )
    if comparison is not None:
        lines += [
            "",
            "### Against the baseline",
            "",
            "| Case | Baseline | Prompt | Current | Prompt | Changed |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for row in comparison:
            lines.append(
                f"| {_cell(row['case'])} | {row['baseline']}"
                f" | {_cell(row['baseline_prompt_version'])} | {row['current']}"
                f" | {_cell(row['prompt_version'])} | {'yes' if row['changed'] else ''} |"
            )
    return "\n".join(lines) + "\n"
