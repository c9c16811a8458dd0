"""Durations as jobs carry them: ISO 8601 on the wire (``P7D``, ``PT10S``), .NET TimeSpan in the spec defaults."""

from __future__ import annotations

import re

_ISO = re.compile(
    r"^P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
# The spec's default "7.00:00:00": [days.]hours:minutes:seconds[.fraction]
_TIMESPAN = re.compile(r"^(?:(?P<days>\d+)\.)?(?P<hours>\d+):(?P<minutes>\d+):(?P<seconds>\d+(?:\.\d+)?)$")
_UNIT_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}

# constraints.maxWallClockTime when a job does not say: one week, as the spec documents.
DEFAULT_MAX_WALL_CLOCK_SECONDS = 7 * 86400.0


def parse_duration(text: str) -> float:
    """Seconds in ``text``; raises ValueError for anything that is neither ISO 8601 nor a TimeSpan."""
    value = text.strip()
    match = _ISO.match(value) or _TIMESPAN.match(value)
    if match is None or value.upper() in ("P", "PT") or value.upper().endswith("T"):
        raise ValueError(f"'{text}' is not a duration (ISO 8601 such as PT10S or P7D, or d.hh:mm:ss)")
    return sum(float(amount) * _UNIT_SECONDS[unit] for unit, amount in match.groupdict().items() if amount)


def max_wall_clock_seconds(job_properties: dict) -> float:
    """The job's wall-clock limit in seconds (its constraints, else the documented default of a week)."""
    text = (job_properties.get("constraints") or {}).get("maxWallClockTime")
    try:
        return parse_duration(text) if text else DEFAULT_MAX_WALL_CLOCK_SECONDS
    except ValueError as error:
        raise ValueError(f"constraints.maxWallClockTime: {error}") from None
