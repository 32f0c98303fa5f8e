"""Which local day a request's deadline is counted in (docs/metrics-requests.md, "Days and
time zones").

Every jurisdiction code that is a country or a subdivision has an IANA time zone: its
capital's (or the subdivision's) zone. A multi-zone country without a subdivision code uses
its capital's zone (US -> America/New_York, CA -> America/Toronto, BR -> America/Sao_Paulo,
ID -> Asia/Jakarta, RU -> Europe/Moscow, AU -> Australia/Sydney, MX -> America/Mexico_City):
a request from a province far from it is off by at most the country's spread of offsets, and
a subdivision code (US-CA) is exact. Blocs (EEA, GLOBAL) and codes not listed here use the
zone of the data controller that answers them (its holiday calendar's country: the policy's
EEA/UK/CH controller is in Amsterdam), else UTC.

The zones are facts about places, not about the policy, so they live here and not in the
policy encoding. `request_zones` (a TEMP table built by `analysis.requests.prepare`) maps
every jurisdiction of the store to its zone; the SQL converts instants with it, DST-safe
(the zone database, not a fixed offset).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

# ISO 3166 codes -> IANA zone (capital / subdivision). Codes the policy does not know are
# harmless here; a code missing here falls back to its controller's zone, then UTC.
ZONES: dict[str, str] = {
    # EEA
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia", "HR": "Europe/Zagreb",
    "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn",
    "FI": "Europe/Helsinki", "FR": "Europe/Paris", "DE": "Europe/Berlin", "GR": "Europe/Athens",
    "HU": "Europe/Budapest", "IE": "Europe/Dublin", "IT": "Europe/Rome", "LV": "Europe/Riga",
    "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg", "MT": "Europe/Malta", "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest", "SK": "Europe/Bratislava",
    "SI": "Europe/Ljubljana", "ES": "Europe/Madrid", "SE": "Europe/Stockholm", "IS": "Atlantic/Reykjavik",
    "LI": "Europe/Vaduz", "NO": "Europe/Oslo",
    # rest of Europe
    "GB": "Europe/London", "UK": "Europe/London", "CH": "Europe/Zurich", "RU": "Europe/Moscow",
    "TR": "Europe/Istanbul", "UA": "Europe/Kyiv",
    # Americas
    "US": "America/New_York", "US-CA": "America/Los_Angeles", "US-NY": "America/New_York",
    "US-TX": "America/Chicago", "US-WA": "America/Los_Angeles", "US-CO": "America/Denver",
    "US-VA": "America/New_York", "CA": "America/Toronto", "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City", "AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago",
    "CO": "America/Bogota", "PE": "America/Lima",
    # Asia-Pacific
    "KR": "Asia/Seoul", "JP": "Asia/Tokyo", "CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong",
    "MO": "Asia/Macau", "TW": "Asia/Taipei", "SG": "Asia/Singapore", "MY": "Asia/Kuala_Lumpur",
    "ID": "Asia/Jakarta", "PH": "Asia/Manila", "TH": "Asia/Bangkok", "VN": "Asia/Ho_Chi_Minh",
    "IN": "Asia/Kolkata", "AU": "Australia/Sydney", "NZ": "Pacific/Auckland",
    # Middle East and Africa
    "AE": "Asia/Dubai", "SA": "Asia/Riyadh", "IL": "Asia/Jerusalem", "EG": "Africa/Cairo",
    "ZA": "Africa/Johannesburg", "NG": "Africa/Lagos", "KE": "Africa/Nairobi",
}

FALLBACK = "UTC"


def zone_of_code(code: str | None) -> str | None:
    """The zone of a country or subdivision code (`GB`, `US-CA`), or None (a bloc, unknown)."""
    if code is None:
        return None
    return ZONES.get(code.strip().upper())


def check_zones() -> None:
    """Every zone named here exists in the zone database (a typo would silently fall back)."""
    known = available_timezones()
    bad = sorted(z for z in ZONES.values() if z not in known)
    if bad:
        raise ValueError(f"unknown IANA time zones: {bad}")
    for z in set(ZONES.values()):
        ZoneInfo(z)


def request_zone_rows(jurisdictions: list[str], controller_calendars: dict[str, str | None]) -> list[tuple[str, str]]:
    """(jurisdiction, zone) for every code: its own zone; else the zone of the country of the
    calendar of the controller serving it (`controller_calendars`: code -> that controller's
    holiday calendar, most specific scope); else UTC."""
    rows = []
    for code in jurisdictions:
        zone = zone_of_code(code)
        if zone is None:
            cal = controller_calendars.get(code)
            zone = zone_of_code(cal.split("-")[0] if cal else None) or zone_of_code(cal)
        rows.append((code, zone or FALLBACK))
    return rows
