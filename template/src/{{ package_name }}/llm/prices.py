"""The price table: what a model's tokens cost, for the cost of each call (``LLM_PRICES_FILE``).

A TOML file: ``as_of`` (a date), an optional default ``currency``, then one table per provider
and model with ``input_per_million`` and ``output_per_million`` (and its own ``currency``).
Without ``LLM_PRICES_FILE`` the table shipped in this package (``prices.toml``) is used. A file
is read once per process; a bad one is a ``PriceFileError`` naming what is wrong, which the
settings report as ``config.invalid`` for ``LLM_PRICES_FILE``.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

CURRENCY = re.compile(r"^[A-Z]{3}$")
FIELDS = {"input_per_million", "output_per_million", "currency"}


class PriceFileError(ValueError):
    """The price file cannot be read or says something that is not a price table."""


@dataclass(frozen=True)
class Price:
    input_per_million: Decimal
    output_per_million: Decimal
    currency: str

    def cost(self, input_tokens: int | None, output_tokens: int | None) -> float:
        """What those tokens cost (a token count the provider did not report counts 0)."""
        total = (
            Decimal(input_tokens or 0) * self.input_per_million
            + Decimal(output_tokens or 0) * self.output_per_million
        ) / 1_000_000
        return float(round(total, 10))


@dataclass(frozen=True)
class PriceTable:
    as_of: datetime.date
    prices: dict[tuple[str, str], Price]

    def find(self, provider: str, *models: str) -> Price | None:
        """The price of the first of ``models`` the table has for ``provider``."""
        for model in models:
            if (found := self.prices.get((provider, model))) is not None:
                return found
        return None


def _number(where: str, name: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PriceFileError(f"{where}: {name} must be a number")
    number = Decimal(str(value))
    if not number.is_finite() or number < 0:
        raise PriceFileError(f"{where}: {name} must be a number of 0 or more")
    return number


def _price(where: str, entry: object, currency: object) -> Price:
    if not isinstance(entry, dict):
        raise PriceFileError(
            f"{where}: must be a table of input_per_million and output_per_million"
        )
    unknown = sorted(set(entry) - FIELDS)
    if unknown:
        raise PriceFileError(f"{where}: unknown field {unknown[0]!r} (known: {sorted(FIELDS)})")
    for name in ("input_per_million", "output_per_million"):
        if name not in entry:
            raise PriceFileError(f"{where}: {name} is missing")
    currency = entry.get("currency", currency)
    if not isinstance(currency, str) or not CURRENCY.match(currency):
        raise PriceFileError(f"{where}: currency must be a 3-letter code such as USD")
    return Price(
        _number(where, "input_per_million", entry["input_per_million"]),
        _number(where, "output_per_million", entry["output_per_million"]),
        currency,
    )


def parse(text: str) -> PriceTable:
    """The table a price file's text describes; PriceFileError if it is not one."""
    try:
        data: dict[str, Any] = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise PriceFileError(f"not valid TOML ({exc})") from exc
    as_of = data.pop("as_of", None)
    if not isinstance(as_of, datetime.date) or isinstance(as_of, datetime.datetime):
        raise PriceFileError("as_of must be the date of the prices, such as 2026-12-01")
    currency = data.pop("currency", None)
    prices: dict[tuple[str, str], Price] = {}
    for provider, models in data.items():
        if not isinstance(models, dict):
            raise PriceFileError(f"{provider}: must be a table of models")
        for model, entry in models.items():
            prices[(provider, model)] = _price(f"{provider}.{model}", entry, currency)
    return PriceTable(as_of, prices)


@cache
def load(path: Path | None = None) -> PriceTable:
    """The table in ``path``, or the one shipped with the service; read once per process."""
    try:
        if path is None:
            text = files(__package__).joinpath("prices.toml").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PriceFileError(f"no such file: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceFileError(f"cannot read {path}: {type(exc).__name__}") from exc
    return parse(text)
