"""Mask personal data and key-like strings in message content: ``mask(text)``.

What it finds, each replaced by a placeholder: e-mail addresses ``[email]``, phone numbers
``[phone]``, payment card numbers ``[card]`` (only when the Luhn check passes), IBANs
``[iban]`` (only when the mod-97 check passes), IPv4 and IPv6 addresses ``[ip]``, and strings
that look like keys ``[key]`` (``sk-...``, AWS ``AKIA...``, ``Bearer ...``, JWTs, long tokens
mixing upper case, lower case and digits, long hexadecimal strings).

It is patterns and checksums, not understanding: names, postal addresses and anything
written out in words are not found (see docs/redaction.md). ``redaction.py`` is the other
half: it removes the service's own configured secrets from every line, whatever this finds.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
KNOWN_KEYS = re.compile(
    r"\b(?:sk-[A-Za-z0-9_-]{16,}"  # OpenAI, Anthropic (sk-ant-...) and alike
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"  # AWS access key ids
    r"|gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub tokens
    r"|xox[abprs]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"  # JWTs
)
BEARER = re.compile(r"\b([Bb]earer|[Bb]asic)\s+([A-Za-z0-9._~+/=-]{8,})")
TOKEN = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/_=-]{20,}(?![\w+/=-])")
# Not right after "DE89 ": the rest of an IBAN that failed its check is no card either.
CARD = re.compile(r"(?<![\w.+-])(?<![A-Z]{2}\d{2} )\d(?:[ -]?\d){12,18}(?![\w.-]?\d)")
IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?![\w:])")
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
PHONE = re.compile(
    r"(?<![\w+.:/-])(?:\+\d{8,15}|(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,5}"
    r"(?:[ .-]\d{2,8}){1,5})(?![\w]|[.:/-]\d)"
)


def luhn_valid(digits: str) -> bool:
    """The payment card checksum: every second digit from the right doubled."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616: country and check digits moved to the end, letters as numbers, mod 97 is 1."""
    compact = iban.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


def _card(found: str) -> str | None:
    digits = re.sub(r"\D", "", found)
    return "[card]" if 13 <= len(digits) <= 19 and luhn_valid(digits) else None


def _iban(found: str) -> str | None:
    return "[iban]" if iban_valid(found) else None


def _token(found: str) -> str | None:
    """A long string of mixed classes is a key; a long word or number is not."""
    mixed = (
        any(c.isdigit() for c in found)
        and any(c.islower() for c in found)
        and any(c.isupper() for c in found)
    )
    hexadecimal = len(found) >= 32 and re.fullmatch(r"[0-9a-fA-F]+", found) is not None
    return "[key]" if mixed or hexadecimal else None


def _ipv6(found: str) -> str | None:
    if not any(c in "0123456789abcdefABCDEF" for c in found):
        return None
    try:
        ipaddress.IPv6Address(found)
    except ValueError:
        return None
    return "[ip]"


def _ipv4(found: str) -> str | None:
    try:
        ipaddress.IPv4Address(found)
    except ValueError:
        return None
    return "[ip]"


def _phone(found: str) -> str | None:
    digits = re.sub(r"\D", "", found)
    groups = len(re.findall(r"\d+", found))
    plausible = found[0] in "+(0" or groups >= 3
    return "[phone]" if plausible and 9 <= len(digits) <= 15 else None


def _bearer(match: re.Match[str]) -> str:
    """``Bearer <token>``, but not "a basic understanding": a token has more than letters."""
    token = match.group(2)
    if token.isalpha():
        return match.group(0)
    return f"{match.group(1)} [key]"


def _always(placeholder: str) -> Callable[[str], str | None]:
    return lambda _: placeholder


# In this order: an IBAN or a key holds digits a card or phone pattern would take in part.
RULES: list[tuple[re.Pattern[str], Callable[[str], str | None]]] = [
    (EMAIL, _always("[email]")),
    (IBAN, _iban),
    (KNOWN_KEYS, _always("[key]")),
    (TOKEN, _token),
    (CARD, _card),
    (IPV6, _ipv6),
    (IPV4, _ipv4),
    (PHONE, _phone),
]


def mask(text: str) -> str:
    """``text`` with every personal datum and key-like string found replaced; see above."""
    text = BEARER.sub(_bearer, text)
    for pattern, check in RULES:
        text = _apply(pattern, check, text)
    return text


def _apply(pattern: re.Pattern[str], check: Callable[[str], str | None], text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        return check(match.group(0)) or match.group(0)

    return pattern.sub(replace, text)
