"""ISTAT's "Elenco comuni italiani" in the form it is published in (2025-2026 edition: 27
columns, semicolons, Windows-1252, CRLF, two headers with a line break inside quotes), holding
a few dozen real comuni, and the file written for `manage.py load_comuni`."""

from pathlib import Path

HEADER = [
    "Codice Regione",
    '"Codice dell\'Unità territoriale sovracomunale \r\n(valida a fini statistici)"',
    "Codice Provincia (Storico)(1)",
    "Progressivo del Comune (2)",
    "Codice Comune formato alfanumerico",
    "Denominazione (Italiana e straniera)",
    "Denominazione in italiano",
    "Denominazione altra lingua",
    "Codice Ripartizione Geografica",
    "Ripartizione geografica",
    "Denominazione Regione",
    '"Denominazione dell\'Unità territoriale sovracomunale \r\n(valida a fini statistici)"',
    "Tipologia di Unità territoriale sovracomunale ",
    "Flag Comune capoluogo di Provincia/Città metropolitana/libero consorzio",
    "Sigla automobilistica",
    "Codice Comune formato numerico",
    "Codice Comune numerico con 107 Province (dal 2017 al 2025)",
    "Codice Comune numerico con 110 Province (dal 2010 al 2016)",
    "Codice Comune numerico con 107 Province (dal 2006 al 2009)",
    "Codice Comune numerico con 103 Province (dal 1995 al 2005)",
    "Codice Catastale del Comune",
    "Codice NUTS1 2021",
    "Codice NUTS2 2021 (3) ",
    "Codice NUTS3 2021",
    "Codice NUTS1 2024",
    "Codice NUTS2 2024 (3) ",
    "Codice NUTS3 2024",
]

# (region code, region, area code, area, unit code, unit, unit type, abbreviation, NUTS 3)
REGIONS = {
    "TO": ("01", "Piemonte", "1", "Nord-ovest", "201", "Torino", "3", "ITC11"),
    "AO": (
        "02", "Valle d'Aosta/Vallée d'Aoste", "1", "Nord-ovest", "007",
        "Valle d'Aosta/Vallée d'Aoste", "1", "ITC20",
    ),
    "MI": ("03", "Lombardia", "1", "Nord-ovest", "215", "Milano", "3", "ITC4C"),
    "MB": ("03", "Lombardia", "1", "Nord-ovest", "108", "Monza e della Brianza", "1", "ITC4D"),
    "BZ": (
        "04", "Trentino-Alto Adige/Südtirol", "2", "Nord-est", "021", "Bolzano/Bozen", "2",
        "ITH10",
    ),
    "RM": ("12", "Lazio", "3", "Centro", "258", "Roma", "3", "ITI43"),
    "CE": ("15", "Campania", "4", "Sud", "061", "Caserta", "1", "ITF31"),
    "BN": ("15", "Campania", "4", "Sud", "062", "Benevento", "1", "ITF32"),
    "NA": ("15", "Campania", "4", "Sud", "263", "Napoli", "3", "ITF33"),
    "AV": ("15", "Campania", "4", "Sud", "064", "Avellino", "1", "ITF34"),
    "SA": ("15", "Campania", "4", "Sud", "065", "Salerno", "1", "ITF35"),
    "FG": ("16", "Puglia", "4", "Sud", "071", "Foggia", "1", "ITF46"),
    "BA": ("16", "Puglia", "4", "Sud", "272", "Bari", "3", "ITF47"),
}  # fmt: skip

# (abbreviation, ISTAT code, cadastral code, Italian name, other-language name, capital flag)
Comune = tuple[str, str, str, str, str, str]
COMUNI: list[Comune] = [
    ("TO", "001001", "A074", "Agliè", "", "0"),
    ("TO", "001002", "A109", "Airasca", "", "0"),
    ("TO", "001272", "L219", "Torino", "", "1"),
    ("AO", "007003", "A326", "Aosta", "", "1"),
    ("AO", "007020", "C294", "Châtillon", "", "0"),
    ("AO", "007022", "D012", "Courmayeur", "", "0"),
    ("MI", "015146", "F205", "Milano", "", "1"),
    ("MI", "015182", "H264", "Rho", "", "0"),
    ("MI", "015209", "I690", "Sesto San Giovanni", "", "0"),
    ("MB", "108033", "F704", "Monza", "", "1"),
    ("MB", "108034", "F797", "Muggiò", "", "0"),
    ("BZ", "021008", "A952", "Bolzano", "Bozen", "1"),
    ("BZ", "021011", "B160", "Bressanone", "Brixen", "0"),
    ("BZ", "021031", "D571", "Fiè allo Sciliar", "Völs am Schlern", "0"),
    ("RM", "058039", "D773", "Frascati", "", "0"),
    ("RM", "058091", "H501", "Roma", "", "1"),
    ("RM", "058104", "L182", "Tivoli", "", "0"),
    ("CE", "061005", "A512", "Aversa", "", "0"),
    ("CE", "061022", "B963", "Caserta", "", "1"),
    ("BN", "062008", "A783", "Benevento", "", "1"),
    ("NA", "063044", "F030", "Massa Lubrense", "", "0"),
    ("NA", "063049", "F839", "Napoli", "", "1"),
    ("NA", "063060", "G964", "Pozzuoli", "", "0"),
    ("NA", "063064", "H243", "Ercolano", "", "0"),
    ("NA", "063080", "I862", "Sorrento", "", "0"),
    ("NA", "063084", "L259", "Torre del Greco", "", "0"),
    ("AV", "064005", "A399", "Ariano Irpino", "", "0"),
    ("AV", "064008", "A509", "Avellino", "", "1"),
    ("SA", "065002", "A091", "Agropoli", "", "0"),
    ("SA", "065006", "A251", "Amalfi", "", "0"),
    ("SA", "065031", "C125", "Castellabate", "", "0"),
    ("SA", "065037", "C361", "Cava de' Tirreni", "", "0"),
    ("SA", "065050", "D390", "Eboli", "", "0"),
    ("SA", "065116", "H703", "Salerno", "", "1"),
    ("FG", "071024", "D643", "Foggia", "", "1"),
    ("BA", "072001", "A048", "Acquaviva delle Fonti", "", "0"),
]
# Cut short by a bad export: a cadastral code of three characters. Its line in the file:
# The header takes three lines in an editor: two of its names hold a line break.
BAD_LINE = 3 + len(COMUNI) + 1


def comune_line(comune: Comune) -> str:
    abbreviation, istat, belfiore, name, other, capital = comune
    region, region_name, area, area_name, unit, unit_name, unit_type, nuts3 = REGIONS[abbreviation]
    number = str(int(istat))
    both = f"{name}/{other}" if other else name
    return ";".join(
        [
            region, unit, istat[:3], istat[3:], istat, both, name, other, area, area_name,
            region_name, unit_name, unit_type, capital, abbreviation, number, number, number,
            number, number, belfiore, nuts3[:3], nuts3[:4], nuts3, nuts3[:3], nuts3[:4], nuts3,
        ]
    )  # fmt: skip


def istat_text(comuni: list[Comune] | None = None, *, bad_line: bool = True) -> str:
    lines = [";".join(HEADER)]
    lines += [comune_line(comune) for comune in (COMUNI if comuni is None else comuni)]
    if bad_line:
        lines.append(comune_line(("NA", "063090", "M27", "Santa Maria la Carità", "", "0")))
    return "\r\n".join(lines) + "\r\n"


def write_istat_file(
    folder: Path,
    comuni: list[Comune] | None = None,
    *,
    bad_line: bool = True,
    encoding: str = "cp1252",
) -> Path:
    path = folder / "Elenco-comuni-italiani.csv"
    path.write_bytes(istat_text(comuni, bad_line=bad_line).encode(encoding))
    return path
