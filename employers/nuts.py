"""Italian regions as NUTS 2 codes (NUTS 2021), for the place ladder of the match score and the
regions of fairs, and the other EURES countries as NUTS 0 codes. Vacancies carry NUTS 3
(province); the first four characters are the region, the first two the country."""

import unicodedata
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# (NUTS 2, name). Trentino-Alto Adige is two NUTS 2 units: the autonomous provinces.
REGIONS: Final = (
    ("ITC1", "Piemonte"),
    ("ITC2", "Valle d'Aosta"),
    ("ITC3", "Liguria"),
    ("ITC4", "Lombardia"),
    ("ITH1", "Provincia autonoma di Bolzano"),
    ("ITH2", "Provincia autonoma di Trento"),
    ("ITH3", "Veneto"),
    ("ITH4", "Friuli-Venezia Giulia"),
    ("ITH5", "Emilia-Romagna"),
    ("ITI1", "Toscana"),
    ("ITI2", "Umbria"),
    ("ITI3", "Marche"),
    ("ITI4", "Lazio"),
    ("ITF1", "Abruzzo"),
    ("ITF2", "Molise"),
    ("ITF3", "Campania"),
    ("ITF4", "Puglia"),
    ("ITF5", "Basilicata"),
    ("ITF6", "Calabria"),
    ("ITG1", "Sicilia"),
    ("ITG2", "Sardegna"),
)
NAMES: Final = dict(REGIONS)
_ALIASES: Final = {
    "valle d aosta": "ITC2",
    "vallee d aoste": "ITC2",
    "bolzano": "ITH1",
    "alto adige": "ITH1",
    "sudtirol": "ITH1",
    "trento": "ITH2",
    "trentino": "ITH2",
    "friuli venezia giulia": "ITH4",
    "emilia romagna": "ITH5",
    "tuscany": "ITI1",
    "lombardy": "ITC4",
    "piedmont": "ITC1",
    "apulia": "ITF4",
    "sicily": "ITG1",
    "sardinia": "ITG2",
}


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join("".join(c if c.isalnum() else " " for c in plain.lower()).split())


_BY_NAME: Final = {_key(name): code for code, name in REGIONS} | _ALIASES


def region_code(text: str) -> str:
    """A NUTS code typed as such, or an Italian region's name; "" when unknown."""
    value = text.strip()
    if value[:2].isalpha() and value.isalnum() and 2 <= len(value) <= 5 and value[:2].isupper():
        return value.upper()
    return _BY_NAME.get(_key(value), "")


# EU and EEA countries other than Italy, and Switzerland (a EURES member), by NUTS 0 code:
# Greece is EL in NUTS, GR in ISO 3166.
COUNTRIES: Final[tuple[tuple[str, Promise], ...]] = (
    ("AT", _("Austria")),
    ("BE", _("Belgium")),
    ("BG", _("Bulgaria")),
    ("HR", _("Croatia")),
    ("CY", _("Cyprus")),
    ("CZ", _("Czechia")),
    ("DK", _("Denmark")),
    ("EE", _("Estonia")),
    ("FI", _("Finland")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("EL", _("Greece")),
    ("HU", _("Hungary")),
    ("IS", _("Iceland")),
    ("IE", _("Ireland")),
    ("LV", _("Latvia")),
    ("LI", _("Liechtenstein")),
    ("LT", _("Lithuania")),
    ("LU", _("Luxembourg")),
    ("MT", _("Malta")),
    ("NL", _("Netherlands")),
    ("NO", _("Norway")),
    ("PL", _("Poland")),
    ("PT", _("Portugal")),
    ("RO", _("Romania")),
    ("SK", _("Slovakia")),
    ("SI", _("Slovenia")),
    ("ES", _("Spain")),
    ("SE", _("Sweden")),
    ("CH", _("Switzerland")),
)
COUNTRY_NAMES: Final = dict(COUNTRIES)
# Where NUTS and ISO 3166 disagree on a country's code.
_ISO_COUNTRY: Final = {"EL": "GR", "UK": "GB"}


def iso_country(nuts: str) -> str:
    """The ISO 3166 alpha-2 country of a NUTS code ("EL…" is Greece, GR); "" when none."""
    prefix = nuts[:2].upper()
    return _ISO_COUNTRY.get(prefix, prefix) if prefix.isalpha() and len(prefix) == 2 else ""
