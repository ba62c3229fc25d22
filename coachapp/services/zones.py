"""Time zones as people read them: a zone named by its city ("Berlin time"), its offset at an
instant ("UTC+01:00 · Europe/Berlin"), a local time with the zone named (what pages and
notification messages say), the zones a member may pick to read times in, and saving that pick
(``users.timezone``: the zone a member reads times in)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from ..models import User
from .db import transaction, write_lock
from .errors import ValidationFailed

COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Istanbul",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Sao_Paulo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
"""The zones the "Show times in" list offers first (the member's and the coaches' come on top)."""

MAX_ZONE_LENGTH = 64
"""The longest zone name kept (``users.timezone`` is a String(64))."""

ZONE_AREAS = frozenset(
    (
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    )
)
"""Areas of the zones offered in lists (``zone_list``): left out are the legacy names such as
``US/Eastern`` or ``Etc/GMT+1`` (UTC-01:00), which are still accepted (``known_zones``)."""

NOT_ZONES = frozenset(("localtime",))
"""Names the zone scan finds that are not IANA zones: ``localtime`` is this machine's own zone."""


def zone_name(zone: ZoneInfo) -> str:
    """A zone as people say it: the city part of its IANA name and "time" ("Berlin time",
    "New York time", "Buenos Aires time"); a zone without a city keeps its name ("UTC")."""
    key = zone.key
    if "/" not in key:
        return key
    return key.rsplit("/", 1)[1].replace("_", " ") + " time"


def utc_offset(zone: ZoneInfo, at: datetime) -> str:
    """The zone's offset from UTC at the instant ``at``: "UTC+01:00", "UTC-04:00"."""
    offset = at.astimezone(zone).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def zone_offset(zone: ZoneInfo, at: datetime) -> str:
    """The zone's offset from UTC at the instant ``at`` ("UTC+01:00"), with its IANA name: what
    the zone's name shows on hover or long-press."""
    return f"{utc_offset(zone, at)} · {zone.key}"


def local_when(
    instant: datetime, zone: ZoneInfo, now: datetime, end: datetime | None = None
) -> str:
    """``instant`` on ``zone``'s clock as ``Sat 5 Dec, 16:00`` (``Sat 5 Dec 2027, 16:00`` when it
    is not in ``now``'s year there), with ``–17:00`` when ``end`` is given."""
    local = instant.astimezone(zone)
    year = "" if local.year == now.astimezone(zone).year else f" {local.year}"
    text = f"{local:%a} {local.day} {local:%b}{year}, {local:%H:%M}"
    if end is not None:
        text += f"–{end.astimezone(zone):%H:%M}"
    return text


def named_when(
    instant: datetime, zone: ZoneInfo, now: datetime, end: datetime | None = None
) -> str:
    """``local_when`` with the zone named as people say it: ``Sat 5 Dec, 16:00 Berlin time``
    (every message naming a time says it so, whoever reads it and wherever they are)."""
    return f"{local_when(instant, zone, now, end)} {zone_name(zone)}"


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Every IANA zone name this system knows: what every form, the API and the CLI accept
    (``check_zone``). Scanned once (the scan reads the zone files)."""
    return frozenset(available_timezones()) - NOT_ZONES


@lru_cache(maxsize=1)
def zone_list() -> tuple[str, ...]:
    """The zones offered for picking, A–Z: every area/location name and UTC (the coach's settings,
    the admin's new accounts, the member's "All zones"). A saved zone not on it (a legacy name
    given through the API) is still accepted and shown as the current one."""
    return tuple(sorted(z for z in known_zones() if z.split("/", 1)[0] in ZONE_AREAS or z == "UTC"))


def zone_choices(
    current: str, others: list[str] | tuple[str, ...] = (), everything: bool = False
) -> list[tuple[str, list[str]]]:
    """The "Show times in" list, grouped: the member's current zone and ``others`` (the coaches'
    zones) first, then the common zones, then (``everything``) every other known zone, A–Z. Each
    group is ``(label, [zone key, …])``; a zone appears once."""
    seen: set[str] = set()

    def fresh(keys) -> list[str]:
        out = []
        for key in keys:
            if key in known_zones() and key not in seen:
                seen.add(key)
                out.append(key)
        return out

    groups = [
        ("Yours and your coaches'", fresh([current, *others])),
        ("Common", fresh(COMMON_ZONES)),
        ("All zones", fresh(zone_list() if everything else [])),
    ]
    return [(label, keys) for label, keys in groups if keys]


def check_zone(
    name: object, field: str = "timezone", blank: str = "choose a time zone."
) -> ZoneInfo:
    """The zone named ``name`` (one of ``known_zones``), or ValidationFailed naming ``field``:
    ``blank`` for none, else unknown (or too long). The one check of a zone given as input."""
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationFailed(blank, field=field)
    if len(name) > MAX_ZONE_LENGTH or name not in known_zones():
        raise ValidationFailed(f"{name[:60]!r} is not a known time zone.", field=field)
    return ZoneInfo(name)


def set_reading_zone(user: User, name: str | None) -> ZoneInfo:
    """Save the zone ``user`` reads times in (``users.timezone``); ValidationFailed (field
    ``timezone``) for a zone that is not a known IANA name."""
    zone = check_zone(name, blank="choose a time zone to show times in.")
    with transaction():
        write_lock()
        user.timezone = zone.key
    return zone


__all__ = [
    "COMMON_ZONES",
    "check_zone",
    "known_zones",
    "local_when",
    "named_when",
    "set_reading_zone",
    "utc_offset",
    "zone_choices",
    "zone_list",
    "zone_name",
    "zone_offset",
]
