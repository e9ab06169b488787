"""The demo content that `manage.py seed_demo` loads. Every company and person here is invented.

Plain data only: the command turns it into rows through the services.
"""

from typing import Literal, NotRequired, TypedDict

DEMO_PASSWORD = "demo-fiera-2026"  # noqa: S105 - printed on purpose: a local demo, not a secret
DEMO_DOMAIN = "demo.fairplatform.test"
REGION = "Campania"
TIMEZONE = "Europe/Rome"
CLASSIFICATION = "NACE_REV2_1_ATECO_2025"


class PersonData(TypedDict):
    full_name: str
    email: str


class VacancyData(TypedDict):
    title: str
    description: str
    isco: str
    place: str
    # A number in the CPI vacancy database (source "cpi"); absent: entered on the platform.
    cpi_number: NotRequired[int]


class EmployerData(TypedDict):
    slug: str
    legal_name: str
    initials: str
    colour: str
    # Partita IVA without its check digit: a 7-digit company number and the 3-digit office code.
    vat_base: str
    # Province, for CPI references (CPI-NA-2026-00123).
    province: str
    sector: str
    description: str
    # Their logins are admin@<slug>.demo.fairplatform.test and recruiter@<slug>....
    admin_name: str
    recruiter_name: str
    headline: str
    vacancies: list[VacancyData]


class FairData(TypedDict):
    title: str
    description: str
    sectors: list[str]
    languages: list[str]


class LanguageSkill(TypedDict):
    code: str
    level: str


class CandidateData(TypedDict):
    full_name: str
    email: str | None
    phone: str | None
    region: str
    preferred_language: str
    languages: list[LanguageSkill]


CPI_NAME = "Centro per l'Impiego di Napoli"

SUPERUSER = PersonData(full_name="Amministrazione piattaforma", email=f"admin@{DEMO_DOMAIN}")
ORGANISER = PersonData(full_name="Maria Rosaria Iervolino", email=f"organizzatore@{DEMO_DOMAIN}")
CPI_OPERATOR = PersonData(full_name="Gennaro Scognamiglio", email=f"operatore@{DEMO_DOMAIN}")

LIVE_FAIR = FairData(
    title="ICT & Digital job day — Campania",
    description=(
        "La giornata di recruiting online dedicata alle professioni digitali in Campania: "
        "software house, cloud, reti e comunicazione digitale cercano sviluppatori, sistemisti, "
        "tecnici di rete, designer e commerciali ICT. Entra negli stand, mettiti in coda dal "
        "telefono e parla in video con chi seleziona.\n\n"
        "An online recruiting day for digital jobs in Campania. Interviews in Italian or "
        "English."
    ),
    sectors=["K", "J"],
    languages=["it", "en"],
)

# The title gets the season it recruits for, e.g. "Turismo e ristorazione — Costiera 2027".
SEASON_FAIR_TITLE = "Turismo e ristorazione — Costiera"
SEASON_FAIR = FairData(
    title=SEASON_FAIR_TITLE,
    description=(
        "Alberghi e ristoranti della Costiera Sorrentina, della Costiera Amalfitana e del "
        "Cilento cercano personale per la prossima stagione: sala, cucina, bar e ricevimento. "
        "Colloqui in italiano e in inglese; la conoscenza del tedesco è un plus."
    ),
    sectors=["I"],
    languages=["it", "en"],
)

ICT_EMPLOYERS: list[EmployerData] = [
    {
        "slug": "partenope-digital",
        "legal_name": "Partenope Digital S.r.l.",
        "initials": "PD",
        "colour": "#0B5FA5",
        "vat_base": "0841275063",
        "province": "NA",
        "sector": "K",
        "description": (
            "Software house napoletana con 60 persone: portali e app per la pubblica "
            "amministrazione, il turismo e il commercio. Lavoriamo con Python, Django, "
            "TypeScript e Kotlin, in team piccoli e con lavoro ibrido (3 giorni da remoto)."
        ),
        "admin_name": "Chiara Mazzella",
        "recruiter_name": "Vincenzo Ambrosio",
        "headline": "Costruisci con noi i servizi digitali della PA campana",
        "vacancies": [
            {
                "title": "Sviluppatore/Sviluppatrice backend Python (Django)",
                "description": (
                    "Progetterai e svilupperai API e servizi per portali della pubblica "
                    "amministrazione. Richiesti: Python, Django, PostgreSQL, Git. Graditi: "
                    "Celery, Docker, SPID/CIE. Contratto a tempo indeterminato, CCNL "
                    "Metalmeccanico, lavoro ibrido."
                ),
                "isco": "2512",
                "place": "Napoli",
                "cpi_number": 123,
            },
            {
                "title": "Sviluppatore/Sviluppatrice mobile (Kotlin / Swift)",
                "description": (
                    "Sviluppo di app native Android e iOS per il turismo e i servizi al "
                    "cittadino. Richiesta esperienza di almeno 2 anni con Kotlin o Swift; "
                    "apprezzata la conoscenza delle linee guida di accessibilità."
                ),
                "isco": "2514",
                "place": "Napoli",
            },
            {
                "title": "Analista funzionale per progetti PA",
                "description": (
                    "Raccolta dei requisiti con gli enti, scrittura di specifiche e casi di "
                    "test, collaborazione con il team di sviluppo. Laurea in discipline "
                    "tecniche o economiche; conoscenza di UML e dei processi amministrativi."
                ),
                "isco": "2511",
                "place": "Napoli",
            },
            {
                "title": "UX/UI designer",
                "description": (
                    "Progettazione di interfacce con il design system Designers Italia e "
                    "Bootstrap Italia: ricerca con gli utenti, wireframe, prototipi in Figma. "
                    "Portfolio richiesto."
                ),
                "isco": "2166",
                "place": "Napoli",
            },
        ],
    },
    {
        "slug": "vesuvio-cloud",
        "legal_name": "Vesuvio Cloud Systems S.p.A.",
        "initials": "VC",
        "colour": "#B03A2E",
        "vat_base": "0937416063",
        "province": "NA",
        "sector": "K",
        "description": (
            "Data centre certificato a Pozzuoli e servizi cloud per PMI ed enti locali: "
            "hosting, backup, disaster recovery e connettività. Turni organizzati, formazione "
            "e certificazioni pagate dall'azienda."
        ),
        "admin_name": "Roberta Di Costanzo",
        "recruiter_name": "Salvatore Illiano",
        "headline": "Il cloud nasce nei Campi Flegrei: cerchiamo tecnici e sistemisti",
        "vacancies": [
            {
                "title": "Tecnico/a di data centre su turni",
                "description": (
                    "Monitoraggio degli impianti, cablaggio, sostituzione di componenti "
                    "hardware e gestione dei ticket. Diploma tecnico; disponibilità a turni "
                    "anche notturni con maggiorazione."
                ),
                "isco": "3513",
                "place": "Pozzuoli",
                "cpi_number": 98,
            },
            {
                "title": "Sistemista Linux / cloud engineer",
                "description": (
                    "Gestione di cluster Linux e Kubernetes, automazione con Ansible e "
                    "Terraform, reperibilità a rotazione. Gradite certificazioni RHCSA o CKA."
                ),
                "isco": "2522",
                "place": "Pozzuoli",
            },
            {
                "title": "Network engineer",
                "description": (
                    "Progettazione e gestione della rete del data centre (BGP, MPLS, VLAN), "
                    "firewall e VPN per i clienti. Richiesta certificazione CCNA o superiore."
                ),
                "isco": "2523",
                "place": "Pozzuoli",
            },
            {
                "title": "Commerciale ICT — servizi cloud per PMI",
                "description": (
                    "Sviluppo del portafoglio clienti in Campania per servizi di hosting, "
                    "backup e sicurezza. Auto aziendale, fisso più provvigioni."
                ),
                "isco": "2434",
                "place": "Napoli",
            },
        ],
    },
    {
        "slug": "salerno-data-lab",
        "legal_name": "Salerno Data Lab S.r.l.",
        "initials": "SD",
        "colour": "#117A65",
        "vat_base": "0652839065",
        "province": "SA",
        "sector": "K",
        "description": (
            "Spin-off nata vicino all'Università di Salerno: analisi dei dati, business "
            "intelligence e modelli predittivi per la logistica portuale e l'agroalimentare."
        ),
        "admin_name": "Francesca Landi",
        "recruiter_name": "Antonio Guariglia",
        "headline": "Dati, porti e filiere: vieni a trasformarli in decisioni",
        "vacancies": [
            {
                "title": "Data engineer",
                "description": (
                    "Costruzione di pipeline di dati (Python, SQL, Airflow) dai sistemi "
                    "portuali e gestionali dei clienti. Esperienza con PostgreSQL e almeno un "
                    "servizio cloud."
                ),
                "isco": "2529",
                "place": "Salerno",
            },
            {
                "title": "Database administrator PostgreSQL",
                "description": (
                    "Amministrazione, tuning e backup di database PostgreSQL in produzione; "
                    "progettazione di schemi con il team di sviluppo."
                ),
                "isco": "2521",
                "place": "Salerno",
                "cpi_number": 41,
            },
            {
                "title": "Sviluppatore/Sviluppatrice full-stack (TypeScript)",
                "description": (
                    "Dashboard e strumenti interni in React e Node.js. Lavoro ibrido, "
                    "buoni pasto, budget annuale per la formazione."
                ),
                "isco": "2512",
                "place": "Salerno",
            },
            {
                "title": "Tirocinio: junior data analyst",
                "description": (
                    "Tirocinio di 6 mesi con indennità, finalizzato all'assunzione. Per "
                    "laureati o laureandi in statistica, economia, ingegneria o informatica."
                ),
                "isco": "2511",
                "place": "Salerno",
            },
        ],
    },
    {
        "slug": "sannio-reti",
        "legal_name": "Sannio Reti e Sistemi S.r.l.",
        "initials": "SR",
        "colour": "#B9770E",
        "vat_base": "0173904062",
        "province": "BN",
        "sector": "K",
        "description": (
            "Portiamo la banda ultralarga nelle aree interne della Campania: progettazione, "
            "posa e manutenzione di reti in fibra ottica e FWA per operatori e comuni."
        ),
        "admin_name": "Giuseppina Iannace",
        "recruiter_name": "Pasquale Mastrocinque",
        "headline": "Fibra ottica nelle aree interne: si parte da Benevento",
        "vacancies": [
            {
                "title": "Tecnico/a installatore di reti in fibra ottica",
                "description": (
                    "Posa, giunzione e collaudo di cavi in fibra ottica. Formazione iniziale "
                    "retribuita; patente B richiesta, mezzi e attrezzatura forniti."
                ),
                "isco": "7422",
                "place": "Benevento",
                "cpi_number": 210,
            },
            {
                "title": "Operatore/Operatrice NOC (network operation center)",
                "description": (
                    "Monitoraggio della rete, apertura e gestione dei guasti, coordinamento "
                    "delle squadre sul territorio. Diploma tecnico, inglese di base."
                ),
                "isco": "3513",
                "place": "Benevento",
            },
            {
                "title": "Progettista di reti FTTH",
                "description": (
                    "Progettazione di reti di accesso FTTH con QGIS e AutoCAD, rilievi e "
                    "pratiche con i comuni. Laurea in ingegneria delle telecomunicazioni o "
                    "esperienza equivalente."
                ),
                "isco": "2523",
                "place": "Benevento",
            },
        ],
    },
    {
        "slug": "irpinia-software",
        "legal_name": "Irpinia Software Factory S.r.l.",
        "initials": "IS",
        "colour": "#6C3483",
        "vat_base": "0298561064",
        "province": "AV",
        "sector": "K",
        "description": (
            "Gestionali ed ERP per le aziende agroalimentari e manifatturiere del Sud: "
            "cantine, caseifici, pastifici. Sviluppo, installazione e assistenza."
        ),
        "admin_name": "Lucia Capobianco",
        "recruiter_name": "Michele Pisano",
        "headline": "Software per le cantine e i pastifici del Sud: unisciti al team",
        "vacancies": [
            {
                "title": "Programmatore/Programmatrice gestionali (C# / .NET)",
                "description": (
                    "Sviluppo e manutenzione di moduli ERP (magazzino, produzione, "
                    "fatturazione elettronica). Conoscenza di C#, .NET e SQL Server."
                ),
                "isco": "2514",
                "place": "Avellino",
            },
            {
                "title": "Consulente applicativo ERP",
                "description": (
                    "Analisi dei processi dei clienti, configurazione del gestionale, "
                    "formazione degli utenti. Trasferte in Campania e Puglia."
                ),
                "isco": "2511",
                "place": "Avellino",
            },
            {
                "title": "Tecnico/a help desk",
                "description": (
                    "Assistenza telefonica e da remoto ai clienti del gestionale, primo "
                    "livello hardware e di rete. Diploma; anche prima esperienza."
                ),
                "isco": "3512",
                "place": "Avellino",
                "cpi_number": 77,
            },
        ],
    },
    {
        "slug": "reggia-media",
        "legal_name": "Reggia Media & Comunicazione S.r.l.",
        "initials": "RM",
        "colour": "#1F3A5F",
        "vat_base": "0465172061",
        "province": "CE",
        "sector": "J",
        "description": (
            "Editoria digitale, video e podcast da Caserta: produciamo contenuti per testate "
            "online, musei ed enti del turismo e curiamo la loro distribuzione sui social."
        ),
        "admin_name": "Alessandra Russo",
        "recruiter_name": "Raffaele Petrella",
        "headline": "Racconta la Campania con noi: video, web e social",
        "vacancies": [
            {
                "title": "Redattore/Redattrice web (SEO)",
                "description": (
                    "Scrittura e ottimizzazione di articoli e schede per testate online e "
                    "siti culturali. Ottimo italiano scritto, inglese B2, WordPress."
                ),
                "isco": "2642",
                "place": "Caserta",
            },
            {
                "title": "Video maker e motion designer",
                "description": (
                    "Riprese, montaggio e animazioni per social e documentari brevi. "
                    "Premiere Pro, After Effects; portfolio o showreel richiesto."
                ),
                "isco": "2166",
                "place": "Caserta",
            },
            {
                "title": "Sviluppatore/Sviluppatrice front-end (React)",
                "description": (
                    "Sviluppo di siti editoriali veloci e accessibili con React e Next.js; "
                    "attenzione a prestazioni e Core Web Vitals."
                ),
                "isco": "2513",
                "place": "Caserta",
            },
            {
                "title": "Digital marketing specialist",
                "description": (
                    "Pianificazione delle campagne social e search per i clienti, analisi "
                    "dei risultati, reportistica. Esperienza con Meta Ads e Google Ads."
                ),
                "isco": "2431",
                "place": "Caserta",
            },
        ],
    },
]

SEASON_EMPLOYERS: list[EmployerData] = [
    {
        "slug": "sirene-del-golfo",
        "legal_name": "Sirene del Golfo Hotels S.r.l.",
        "initials": "SG",
        "colour": "#1A5276",
        "vat_base": "0528647063",
        "province": "NA",
        "sector": "I",
        "description": (
            "Tre hotel a 4 stelle tra Sorrento e Massa Lubrense, aperti da aprile a ottobre. "
            "Vitto e alloggio per il personale fuori sede."
        ),
        "admin_name": "Carmela Aprea",
        "recruiter_name": "Luigi Cacace",
        "headline": "Stagione in Costiera: sala, cucina e ricevimento",
        "vacancies": [
            {
                "title": "Receptionist d'albergo (inglese e tedesco)",
                "description": (
                    "Check-in e check-out, prenotazioni, informazioni agli ospiti. Inglese "
                    "B2 richiesto, tedesco gradito. Contratto stagionale CCNL Turismo."
                ),
                "isco": "4224",
                "place": "Sorrento",
                "cpi_number": 315,
            },
            {
                "title": "Cameriere/Cameriera di sala",
                "description": (
                    "Servizio in sala e in terrazza per colazioni e cene. Esperienza di "
                    "almeno una stagione; inglese di base."
                ),
                "isco": "5131",
                "place": "Sorrento",
            },
            {
                "title": "Cuoco/Cuoca capo partita",
                "description": (
                    "Responsabile della partita dei primi in un ristorante da 80 coperti. "
                    "Esperienza in cucina tradizionale campana."
                ),
                "isco": "5120",
                "place": "Massa Lubrense",
            },
        ],
    },
    {
        "slug": "tavole-del-cilento",
        "legal_name": "Tavole del Cilento S.r.l.",
        "initials": "TC",
        "colour": "#A04000",
        "vat_base": "0716293065",
        "province": "SA",
        "sector": "I",
        "description": (
            "Ristoranti e lidi sulla costa del Cilento, tra Agropoli e Castellabate: cucina "
            "di mare e prodotti dei presidi Slow Food."
        ),
        "admin_name": "Teresa Cobucci",
        "recruiter_name": "Domenico Marrazzo",
        "headline": "Cucina di mare nel Cilento: cerchiamo cuochi, pizzaioli e baristi",
        "vacancies": [
            {
                "title": "Cuoco/Cuoca",
                "description": (
                    "Preparazione dei piatti di pesce del menu, gestione della linea nei "
                    "fine settimana. Esperienza di almeno due stagioni."
                ),
                "isco": "5120",
                "place": "Castellabate",
            },
            {
                "title": "Pizzaiolo/Pizzaiola",
                "description": (
                    "Impasti e cottura nel forno a legna per la pizzeria del lido. "
                    "Conoscenza della pizza napoletana."
                ),
                "isco": "5120",
                "place": "Agropoli",
            },
            {
                "title": "Barista",
                "description": (
                    "Caffetteria e cocktail al bar del lido, da giugno a settembre. "
                    "Anche prima esperienza, con corso di formazione iniziale."
                ),
                "isco": "5132",
                "place": "Agropoli",
            },
        ],
    },
]

# The two candidates whose logins the command prints, and a few who are not Italian.
FIXED_CANDIDATES: list[CandidateData] = [
    {
        "full_name": "Giulia Esposito",
        "email": "giulia.esposito@example.org",
        "phone": None,
        "region": "Campania",
        "preferred_language": "it",
        "languages": [{"code": "it", "level": "native"}, {"code": "en", "level": "B1"}],
    },
    {
        "full_name": "Ciro Cozzolino",
        "email": None,
        "phone": "+393331234567",
        "region": "Campania",
        "preferred_language": "it",
        "languages": [{"code": "it", "level": "native"}, {"code": "en", "level": "A2"}],
    },
    {
        "full_name": "Olena Kovalenko",
        "email": "olena.kovalenko@example.org",
        "phone": "+393409876543",
        "region": "Campania",
        "preferred_language": "en",
        "languages": [
            {"code": "uk", "level": "native"},
            {"code": "en", "level": "C1"},
            {"code": "it", "level": "B1"},
        ],
    },
    {
        "full_name": "Youssef Benali",
        "email": None,
        "phone": "+393287654321",
        "region": "Campania",
        "preferred_language": "it",
        "languages": [
            {"code": "ar", "level": "native"},
            {"code": "fr", "level": "C1"},
            {"code": "it", "level": "B2"},
        ],
    },
    {
        "full_name": "Mariana Souza Lima",
        "email": "mariana.souza@example.org",
        "phone": None,
        "region": "Lazio",
        "preferred_language": "en",
        "languages": [
            {"code": "pt", "level": "native"},
            {"code": "es", "level": "B2"},
            {"code": "en", "level": "B2"},
            {"code": "it", "level": "A2"},
        ],
    },
]

# Generated candidates are drawn from these, with a seeded random generator.
FIRST_NAMES = [
    "Alessandro", "Anna", "Antonio", "Carmela", "Chiara", "Davide", "Federica", "Francesco",
    "Gaetano", "Gianluca", "Ilaria", "Luca", "Marco", "Maria", "Martina", "Matteo", "Nunzia",
    "Paola", "Pasquale", "Roberta", "Rosa", "Salvatore", "Sara", "Simone", "Valentina",
    "Vincenza", "Emanuele", "Serena", "Fabio", "Immacolata",
]  # fmt: skip
LAST_NAMES = [
    "Amato", "Capasso", "Caputo", "Cirillo", "Coppola", "D'Angelo", "De Luca", "Di Maio",
    "Esposito", "Ferrara", "Gallo", "Greco", "Improta", "Iovine", "Manzo", "Marino", "Palumbo",
    "Romano", "Ruggiero", "Russo", "Sorrentino", "Vitale", "Aiello", "Carotenuto", "Sepe",
    "Nappi", "Cuomo", "Barra", "De Rosa", "Langella",
]  # fmt: skip
# Italian mobile prefixes (TIM, Vodafone, WindTre, Iliad, Fastweb): all valid for phonenumbers.
MOBILE_PREFIXES = [
    "320", "324", "327", "328", "329", "330", "331", "333", "334", "335", "338", "339",
    "340", "347", "348", "349", "351", "366", "368", "380", "388", "389", "392", "393",
]  # fmt: skip
# Most jobseekers live in Campania; some come from the neighbouring regions.
# The comuni of the demo's vacancies, as ISTAT lists them (`manage.py load_comuni` loads all of
# them from ISTAT's file): (ISTAT code, cadastral code, name, province, abbreviation, NUTS 3).
COMUNI: list[tuple[str, str, str, str, str, str]] = [
    ("061022", "B963", "Caserta", "Caserta", "CE", "ITF31"),
    ("062008", "A783", "Benevento", "Benevento", "BN", "ITF32"),
    ("063044", "F030", "Massa Lubrense", "Napoli", "NA", "ITF33"),
    ("063049", "F839", "Napoli", "Napoli", "NA", "ITF33"),
    ("063060", "G964", "Pozzuoli", "Napoli", "NA", "ITF33"),
    ("063080", "I862", "Sorrento", "Napoli", "NA", "ITF33"),
    ("064008", "A509", "Avellino", "Avellino", "AV", "ITF34"),
    ("065002", "A091", "Agropoli", "Salerno", "SA", "ITF35"),
    ("065031", "C125", "Castellabate", "Salerno", "SA", "ITF35"),
    ("065116", "H703", "Salerno", "Salerno", "SA", "ITF35"),
]
CANDIDATE_REGIONS: list[tuple[str, int]] = [
    ("Campania", 20),
    ("Basilicata", 2),
    ("Puglia", 2),
    ("Calabria", 2),
    ("Lazio", 1),
    ("Molise", 1),
]
ContactMode = Literal["email", "phone", "both"]
CONTACT_MODES: list[tuple[ContactMode, int]] = [("email", 4), ("phone", 4), ("both", 3)]
ENGLISH_LEVELS: list[tuple[str | None, int]] = [
    (None, 2),
    ("A2", 3),
    ("B1", 4),
    ("B2", 3),
    ("C1", 1),
]
SECOND_LANGUAGES = ["fr", "es", "de"]
GENERATED_CANDIDATES = 30


# People waiting at the live fair's booths (one number per ICT employer, in order), and the
# notes some of them leave.
QUEUE_LENGTHS = [6, 3, 0, 4, 2, 1]
QUEUE_NOTES = [
    "",
    "Ho un diploma di perito informatico, cerco il primo impiego.",
    "",
    "Disponibile da subito, anche per trasferte.",
    "I speak English and Italian (B2).",
]

# Interview times at the live fair: a series at each of the first AGENDA_BOOTHS ICT booths,
# published by their recruiters and starting on the first half hour AGENDA_FIRST_SLOT_MINUTES
# after loading; the demo candidate has booked the first, so "My bookings" and the recruiter's
# agenda have something to show.
AGENDA_BOOTHS = 2
AGENDA_FIRST_SLOT_MINUTES = 90
AGENDA_SLOTS_PER_BOOTH = 4
AGENDA_SLOT_MINUTES = 20
AGENDA_BREAK_MINUTES = 10
AGENDA_BOOKED_BY = "giulia.esposito@example.org"

# A EURES partner's HR-Open feed, imported by the organiser: jobs abroad for candidates willing
# to move, beside the fair's, and one position the import refuses (an ISCO-08 code of letters),
# so the import history shows a rejection and its reason.
EURES_POSITION = """
<PositionOpening xmlns="http://www.hr-xml.org/3" xmlns:oa="http://www.openapplications.org/oagis/9"
    majorVersionID="3" minorVersionID="2">
  <DocumentID schemeID="{agency}-002" schemeAgencyID="{agency}">{ref}</DocumentID>
  <PositionOpeningStatusCode>Active</PositionOpeningStatusCode>
  <PostingRequester><PartyID>{agency}</PartyID></PostingRequester>
  <PositionProfile languageCode="en" validFrom="{published}">
    <PositionTitle>{title}</PositionTitle>
    <PositionLocation><Address>
      <oa:CityName>{city}</oa:CityName>
      <oa:CountrySubDivisionCode>{nuts3}</oa:CountrySubDivisionCode>
      <CountryCode>{country}</CountryCode>
    </Address></PositionLocation>
    <PositionOrganization>
      <OrganizationIdentifiers><OrganizationName>{employer}</OrganizationName></OrganizationIdentifiers>
      <IndustryCode>{nace}</IndustryCode>
    </PositionOrganization>
    <PositionOpenQuantity>{positions}</PositionOpenQuantity>
    <JobCategoryCode listName="ISCO2008">{isco}</JobCategoryCode>
    <PositionOfferingTypeCode>DirectHire</PositionOfferingTypeCode>
    <PositionScheduleTypeCode>FullTime</PositionScheduleTypeCode>
    <PositionQualifications>
      <PositionCompetency>
        <CompetencyID>{language}</CompetencyID>
        <TaxonomyID>language</TaxonomyID>
        <RequiredProficiencyLevel><ScoreText>{level}</ScoreText></RequiredProficiencyLevel>
      </PositionCompetency>
    </PositionQualifications>
    <PositionFormattedDescription><Content>{description}</Content></PositionFormattedDescription>
    <ApplicationCloseDate>{closes}</ApplicationCloseDate>
  </PositionProfile>
</PositionOpening>
"""


class EuresPositionData(TypedDict):
    agency: str
    ref: str
    title: str
    city: str
    nuts3: str
    country: str
    employer: str
    nace: str
    positions: int
    isco: str
    language: str
    level: str
    description: str


EURES_POSITIONS: list[EuresPositionData] = [
    EuresPositionData(
        agency="NAV", ref="NAV-2026-4411", title="Bus driver (city routes)", city="Bergen",
        nuts3="NO0A1", country="NO", employer="Vestland Buss AS", nace="49.31", positions=6,
        isco="8331", language="EN", level="B1",
        description="Drive city buses in Bergen. Norwegian course paid by the employer.",
    ),
    EuresPositionData(
        agency="BA", ref="BA-10000-1187764402", title="Pflegefachkraft (m/w/d)",
        city="Stuttgart", nuts3="DE111", country="DE", employer="Klinikum am Neckar gGmbH",
        nace="86.10", positions=4, isco="2221", language="DE", level="B2",
        description="Stationäre Pflege; Anerkennung des Berufsabschlusses wird begleitet.",
    ),
    EuresPositionData(
        agency="SEPE", ref="SEPE-46-2026-0913", title="Cocinero/a de hotel", city="Valencia",
        nuts3="ES523", country="ES", employer="Hoteles Turia S.L.", nace="55.10", positions=3,
        isco="5120", language="ES", level="A2",
        description="Cocina de hotel, temporada de verano; alojamiento disponible.",
    ),
    EuresPositionData(
        agency="NAV", ref="NAV-2026-4412", title="Mechanic (buses)", city="Bergen",
        nuts3="NO0A1", country="NO", employer="Vestland Buss AS", nace="49.31", positions=1,
        isco="72X1", language="EN", level="B1",
        description="Maintain the city bus fleet.",
    ),
]  # fmt: skip


def eures_feed(*, published: str, closes: str) -> bytes:
    positions = "".join(
        EURES_POSITION.format(**position, published=published, closes=closes)
        for position in EURES_POSITIONS
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Feed>{positions}</Feed>\n'.encode()
