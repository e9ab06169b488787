"""Where a candidate can say they live: an Italian province (NUTS 3, from the comuni table once
loaded) under its region, the region itself (NUTS 2), or another EURES country (NUTS 0). The
match score's place ladder compares these codes with the vacancy's NUTS 3."""

from typing import Any

from django.utils.translation import gettext as _

from employers.models import Comune
from employers.nuts import COUNTRIES, COUNTRY_NAMES, NAMES, REGIONS


def provinces(nuts3: str = "") -> dict[str, str]:
    """NUTS 3 code → the province's name, from the comuni ISTAT lists now (only `nuts3`'s if
    given); {} before the table is loaded. Where a NUTS 2021 unit holds more than one of today's
    provinces (Sardinia's since 2025), their names are joined."""
    names: dict[str, set[str]] = {}
    comuni = Comune.objects.filter(current=True)
    if nuts3:
        comuni = comuni.filter(nuts3=nuts3)
    rows = comuni.values_list("nuts3", "province_name", "province_abbreviation").distinct()
    for code, name, abbreviation in rows:
        names.setdefault(code, set()).add(name or abbreviation)
    return {code: " / ".join(sorted(found)) for code, found in names.items()}


def place_choices() -> list[tuple[str, Any]]:
    """The choices of the candidate's place, grouped for a native select (optgroups): each
    region with its provinces, then the other countries, in the language of the request."""
    by_region: dict[str, list[tuple[str, str]]] = {}
    for code, name in sorted(provinces().items(), key=lambda item: item[1].casefold()):
        by_region.setdefault(code[:4], []).append((code, name))
    choices: list[tuple[str, Any]] = [("", _("I prefer not to say"))]
    if by_region:
        for code, name in REGIONS:
            region = (code, _("%(region)s (whole region)") % {"region": name})
            choices.append((name, [region, *by_region.get(code, [])]))
    else:
        choices.append((_("Italy"), list(REGIONS)))
    countries = sorted(((code, str(name)) for code, name in COUNTRIES), key=lambda c: c[1])
    choices.append((_("Another EU/EEA country or Switzerland"), countries))
    return choices


def place_name(code: str) -> str:
    """A person's place code as words: province, region or country; the code if unknown."""
    code = code.upper()
    if len(code) == 2 and code in COUNTRY_NAMES:
        return str(COUNTRY_NAMES[code])
    if len(code) == 4 and code in NAMES:
        return NAMES[code]
    if len(code) == 5 and code.startswith("IT"):
        province = provinces(code).get(code)
        if province:
            return f"{province} ({NAMES.get(code[:4], code[:4])})"
        return NAMES.get(code[:4], code)
    return code
