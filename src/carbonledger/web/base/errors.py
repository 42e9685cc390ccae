"""A domain error in the page's language. A code the pages know is said in their words (an
audience may word a code its own way: `citizen.error.bad_credentials` before
`error.bad_credentials`); a Chinese page never shows the service's English message or a raw
code: for an `invalid_*` error it names the fields to fix (`field.<name>` texts), and for a
code it does not know it says a general sentence. An English page adds the service's own
message, which says what to fix."""

from __future__ import annotations

import re

from carbonledger.errors import CarbonLedgerError
from carbonledger.web.base import i18n

_FIELD = re.compile(r"(?:^|;\s*)([a-z_]+):")
# The English message says how long to wait, or how many units are held.
_DETAILED = frozenset({"too_many_attempts", "insufficient_units"})


def fields_named(message: str) -> list[str]:
    """The fields a service's message names (`phone: ...; id_number: ...`), in order."""
    return list(dict.fromkeys(_FIELD.findall(message)))


def error_text(language: str, error: CarbonLedgerError, audience: str = "") -> str:
    table = i18n.messages()[language]
    known = (audience and table.get(f"{audience}.error.{error.code}")) or table.get(
        f"error.{error.code}"
    )
    if language != "zh":
        if known is None:
            return error.message
        detailed = error.code.startswith("invalid_") or error.code in _DETAILED
        return f"{known} ({error.message})" if detailed else known
    if known is None:
        return table["error.generic"]
    fields = [
        table[f"field.{name}"] for name in fields_named(error.message) if f"field.{name}" in table
    ]
    return f"{known.rstrip('。')}：{'、'.join(fields)}。" if fields else known
