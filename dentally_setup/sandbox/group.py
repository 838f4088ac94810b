"""Sites and appointment types for a dental group: the `group` scenario and the sandbox's
``--sites N --types M`` options.

Generated, not random: the same N and M always give the same names, prices and
exceptions, so a trainer's demo, a screenshot and a benchmark all see the same group.
"""

from __future__ import annotations

from typing import Any

GROUP_NAME = "Brightwater Dental Group"
GROUP_SITES = 40
GROUP_TYPES = 60

_TOWNS = (
    "Harrogate", "Ilkley", "Skipton", "Otley", "Wetherby", "Knaresborough", "Ripon", "Selby",
    "Tadcaster", "Keighley", "Bingley", "Shipley", "Pudsey", "Morley", "Batley", "Dewsbury",
    "Wakefield", "Pontefract", "Castleford", "Goole", "Thirsk", "Northallerton", "Malton",
    "Pickering", "Whitby", "Scarborough", "Filey", "Bridlington", "Driffield", "Beverley",
    "Hessle", "Howden", "Settle", "Richmond", "Bedale", "Leyburn", "Helmsley", "Easingwold",
    "Boroughbridge", "Garforth", "Rothwell", "Guiseley", "Horsforth", "Headingley", "Roundhay",
)
_STREETS = ("High Street", "Market Place", "Station Road", "Church Street", "Park Row")

# (name, minutes, usual price in pence or None, bookable online)
_TYPES: tuple[tuple[str, int, int | None, bool], ...] = (
    ("New patient exam", 40, 6500, True),
    ("Check-up", 20, 4500, True),
    ("Child check-up", 15, 0, True),
    ("Hygiene 30 min", 30, 6500, True),
    ("Hygiene 45 min", 45, 8500, True),
    ("Hygiene 60 min", 60, 10500, True),
    ("Emergency appointment", 30, 8000, True),
    ("Out-of-hours emergency", 30, 15000, False),
    ("Invisalign consultation", 30, 0, True),
    ("Invisalign review", 20, None, False),
    ("Whitening consultation", 30, 2500, True),
    ("Home whitening fit", 30, 29500, False),
    ("Composite bonding consultation", 30, 5000, True),
    ("Implant consultation", 45, 9500, True),
    ("Implant review", 20, None, False),
    ("Crown preparation", 60, 60000, False),
    ("Crown fit", 30, None, False),
    ("Root canal – front tooth", 60, 35000, False),
    ("Root canal – molar", 90, 65000, False),
    ("Extraction", 30, 15000, False),
    ("Wisdom tooth assessment", 30, 7500, True),
    ("Filling – white", 45, 14000, False),
    ("Filling – amalgam", 30, 9500, False),
    ("Denture consultation", 30, 5000, True),
    ("Denture fit", 30, None, False),
    ("Veneer consultation", 30, 5000, True),
    ("Gum health review", 30, 7000, True),
    ("Sports mouthguard", 30, 9000, True),
    ("Facial aesthetics consultation", 30, 3500, True),
    ("Orthodontic review", 20, 5500, False),
)
_CLINICIANS = ("Dr Shah", "Dr Okafor", "Dr Byrne", "Dr Nowak", "Dr Hughes", "Dr Campbell")


def group_sites(count: int) -> list[dict[str, str]]:
    """``count`` sites named like a real group's: "Brightwater – Harrogate", and by street
    once the towns run out, so every name is different."""
    sites = []
    for i in range(count):
        town = _TOWNS[i % len(_TOWNS)]
        lap = i // len(_TOWNS)
        name = f"Brightwater – {town}" if lap == 0 else \
            f"Brightwater – {town}, {_STREETS[(lap - 1) % len(_STREETS)]}"
        if lap > len(_STREETS):
            name += f" {lap}"
        sites.append({"id": f"site_{i + 1}", "name": name})
    return sites


def group_types(count: int) -> list[dict[str, Any]]:
    """``count`` appointment types: the usual list first, then per-clinician variants of the
    bookable ones ("Check-up – Dr Shah"), as groups set them up; names stay unique."""
    out: list[dict[str, Any]] = []
    bookable = [t for t in _TYPES if t[3]]
    i = 0
    while len(out) < count:
        if i < len(_TYPES):
            name, minutes, price, online = _TYPES[i]
        else:
            j = i - len(_TYPES)
            base = bookable[j % len(bookable)]
            who = _CLINICIANS[(j // len(bookable)) % len(_CLINICIANS)]
            name = f"{base[0]} – {who}"
            lap = j // (len(bookable) * len(_CLINICIANS))
            if lap:
                name += f" ({lap + 1})"
            minutes, online = base[1], base[3]
            # Senior clinicians charge a little more; prices stay whole pounds.
            price = None if base[2] is None else base[2] + 500 * ((j // len(bookable)) % 3)
        out.append({"id": f"at_{len(out) + 1:03d}", "name": name, "duration_minutes": minutes,
                    "price_minor": price, "online_bookable": online})
        i += 1
    return out


def group_exceptions(site_ids: list[str], type_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Sites "already set differently" before the demo starts: every seventh site takes
    deposits of £20 with two types of its own, every eleventh lets patients pay balances
    online. Returns site id -> the changed parts of its settings."""
    out: dict[str, dict[str, Any]] = {}
    for n, sid in enumerate(site_ids, start=1):
        changes: dict[str, Any] = {}
        if n % 7 == 3:
            by_type = {tid: 0 for tid in type_ids[6:7]}
            by_type.update({tid: 1500 for tid in type_ids[:1]})
            changes["deposits"] = {"enabled": True, "default_amount_minor": 2000,
                                   "by_appointment_type": by_type}
        if n % 11 == 5:
            changes["balances"] = {"enabled": True}
        if changes:
            out[sid] = changes
    return out
