"""Times as the store keeps them: RFC 3339 in UTC, to the second, with a `Z`.

One string format everywhere means the index can compare times as text.
"""

from __future__ import annotations

# The datetime types, for this module and the others that need them: the C module itself, as
# the `datetime` module first builds a pure-Python twin of it (~1 ms for every process).
try:
    from _datetime import UTC, datetime, timedelta
    from _datetime import timezone as timezone
except ImportError:  # an interpreter without the C module
    from datetime import UTC, datetime, timedelta
    from datetime import timezone as timezone

from gitissues.errors import UsageError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION = timedelta(days=36500)  # a hundred years


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def format_time(t: datetime) -> str:
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    u = t.astimezone(UTC)
    return (f"{u.year:04d}-{u.month:02d}-{u.day:02d}T"
            f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z")


def now_str() -> str:
    return format_time(now())


def parse_time(text: str) -> datetime:
    """Parse RFC 3339 (a bare date means midnight UTC); raise ValueError otherwise."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    t = datetime.fromisoformat(s)
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def normalize_time(value: object) -> str:
    """Any time the YAML loader produced (datetime, date or string) as the canonical string."""
    if isinstance(value, datetime):
        return format_time(value)
    if hasattr(value, "isoformat"):  # a bare date
        return format_time(datetime.fromisoformat(value.isoformat()))
    return format_time(parse_time(str(value)))


def parse_duration(text: str) -> timedelta:
    """`90s`, `30m`, `2h`, `1d`, `2w` → timedelta; a usage error otherwise, also past
    `MAX_DURATION` (a time that far ahead or back would not fit a datetime)."""
    given = text.strip()
    number, unit = given[:-1], given[-1:]  # decimal digits (any script, as int() reads) and
    if unit not in _UNITS or not number.isdecimal() or not number.strip("0"):  # a unit
        raise UsageError(f"invalid duration {text!r}: use a number and s, m, h, d or w (e.g. 30m)")
    digits = number.lstrip("0")
    seconds = int(digits) * _UNITS[unit] if len(digits) <= 12 else None
    if seconds is None or seconds > MAX_DURATION.total_seconds():
        raise UsageError(f"duration {text.strip()!r} is too long: at most "
                         f"{MAX_DURATION.days}d")
    return timedelta(seconds=seconds)
