"""Sample vacancy files, written from the published structures (standards.md §1.1 and §1.3)."""

CLICLAVORO_VACANCY = """
<Vacancy xmlns="http://servizi.lavoro.gov.it/vacancy">
  <DatoreLavoro>
    <DatiAnagrafici>
      <codicefiscale>01234567897</codicefiscale>
      <denominazione>Partenope Digitale S.r.l.</denominazione>
      <settore>{settore}</settore>
      <ampiezza>03</ampiezza>
    </DatiAnagrafici>
    <DatiContatto>
      <idcomune>F839</idcomune>
      <indirizzo>Via Toledo 1</indirizzo>
      <cap>80134</cap>
      <email>lavora@partenope.example.it</email>
    </DatiContatto>
  </DatoreLavoro>
  <Richiesta>
    <ProfiloRichiesto>
      <numerolavoratori>2</numerolavoratori>
      <idprofessione>2.1.1.4.1.3</idprofessione>
      <descrprofessione>{title}</descrprofessione>
      <descrizionericerca>Sviluppo di servizi web in Python e Django per la PA.</descrizionericerca>
      <esperienzarichiesta>SI</esperienzarichiesta>
    </ProfiloRichiesto>
    <IstruzioneFormazione>
      <titolostudio><idtitolostudio>60</idtitolostudio></titolostudio>
      <Lingua><idlingua>002</idlingua><idlivelloletto>B2</idlivelloletto></Lingua>
    </IstruzioneFormazione>
    <CondizioniOfferte>
      <idcomune>F839</idcomune>
      <idtipologiacontratto>A02</idtipologiacontratto>
      <idmodalitalavoro>FT</idmodalitalavoro>
    </CondizioniOfferte>
    <DurataRichiesta>
      <datapubblicazione>{published}</datapubblicazione>
      <datascadenza>2099-12-31</datascadenza>
    </DurataRichiesta>
  </Richiesta>
  <AltreInformazioni><N.O.>NO</N.O.></AltreInformazioni>
  <DatiSistema>
    <intermediario>NA000123</intermediario>
    <denominazioneintermediario>Centro per l'impiego di Napoli</denominazioneintermediario>
    <visibilita>SI</visibilita>
    <tipoofferta>01</tipoofferta>
    <codiceofferta>{codice:0>25}</codiceofferta>{chain}{closure}
  </DatiSistema>
</Vacancy>
"""

HR_OPEN_POSITION = """
<PositionOpening xmlns="http://www.hr-xml.org/3" xmlns:oa="http://www.openapplications.org/oagis/9"
    majorVersionID="3" minorVersionID="2">
  <DocumentID schemeID="NAV-002" schemeAgencyID="NAV" schemeAgencyName="NAV public employment services" schemeVersionID="1.3">{ref}</DocumentID>
  <PositionRecordInfo><Id>{ref}</Id></PositionRecordInfo>
  <PositionOpeningStatusCode>{status}</PositionOpeningStatusCode>
  <PostingRequester><PartyID>NAV</PartyID></PostingRequester>
  <PositionProfile languageCode="en" validFrom="2026-03-02">
    <PostingInstruction><PostingOptionCode>EURESFlag</PostingOptionCode></PostingInstruction>
    <PositionTitle>{title}</PositionTitle>
    <PositionLocation>
      <Address>
        <oa:CityName>Bergen</oa:CityName>
        <oa:CountrySubDivisionCode>NO0A1</oa:CountrySubDivisionCode>
        <CountryCode>NO</CountryCode>
        <oa:PostalCode>5003</oa:PostalCode>
      </Address>
    </PositionLocation>
    <PositionOrganization>
      <OrganizationIdentifiers>
        <OrganizationName>Vestland Buss AS</OrganizationName>
        <OrganizationLegalID>987654321</OrganizationLegalID>
      </OrganizationIdentifiers>
      <IndustryCode>{nace}</IndustryCode>
      <OrganizationSizeCode>mediumenterprise</OrganizationSizeCode>
    </PositionOrganization>
    <PositionOpenQuantity>3</PositionOpenQuantity>
    <JobCategoryCode listName="ISCO2008">8331</JobCategoryCode>
    <JobCategoryCode listName="ESCO_Occupations">http://data.europa.eu/esco/occupation/3c3a9b14-5e3c-4e5b-9fa3-7fd6e5ab39d8</JobCategoryCode>
    <PositionOfferingTypeCode>DirectHire</PositionOfferingTypeCode>
    <PositionScheduleTypeCode>FullTime</PositionScheduleTypeCode>
    <PositionQualifications>
      <LicenseTypeCode>D</LicenseTypeCode>
      <LicenseTypeCode>B</LicenseTypeCode>
      <PositionCompetency>
        <CompetencyID>EN</CompetencyID>
        <TaxonomyID>language</TaxonomyID>
        <RequiredProficiencyLevel><ScoreText>B1</ScoreText></RequiredProficiencyLevel>
        <CompetencyDimension>
          <CompetencyDimensionTypeCode>CEF-Speaking-Interaction</CompetencyDimensionTypeCode>
          <Score><ScoreText>B2</ScoreText></Score>
        </CompetencyDimension>
        <CompetencyDimension>
          <CompetencyDimensionTypeCode>CEF-Speaking-Production</CompetencyDimensionTypeCode>
          <Score><ScoreText>B1</ScoreText></Score>
        </CompetencyDimension>
      </PositionCompetency>
      <PositionCompetency>
        <CompetencyID>http://data.europa.eu/esco/skill/example-drive-a-bus</CompetencyID>
        <TaxonomyID>ESCO_Skills</TaxonomyID>
        <CompetencyName>drive a bus in city traffic</CompetencyName>
      </PositionCompetency>
      <PositionCompetency>
        <CompetencyID>http://data.europa.eu/esco/skill/example-first-aid</CompetencyID>
        <TaxonomyID>other</TaxonomyID>
      </PositionCompetency>
      <EducationRequirement>
        <EducationLevelCode listName="EQF">3</EducationLevelCode>
      </EducationRequirement>
    </PositionQualifications>
    <PositionFormattedDescription>
      <Content>&lt;p&gt;Drive city buses in &lt;b&gt;Bergen&lt;/b&gt;.&lt;/p&gt;</Content>
    </PositionFormattedDescription>
    <ApplicationCloseDate>2099-06-30</ApplicationCloseDate>
  </PositionProfile>
</PositionOpening>
"""


def cliclavoro(
    *,
    number: int,
    title: str = "Sviluppatore Python",
    settore: str = "62.01.00",
    published: str = "2026-03-02T09:30:00+01:00",
    intermediary_key: bool = True,
    previous: int | None = None,
    closed_because: str = "",
) -> str:
    chain = f"<codiceoffertaintermediario>2026/{number}</codiceoffertaintermediario>"
    if not intermediary_key:
        chain = f"<codiceoffertaprecedente>{f'N{previous}':0>25}</codiceoffertaprecedente>"
        chain = chain if previous else ""
    return CLICLAVORO_VACANCY.format(
        number=number,
        title=title,
        settore=settore,
        published=published,
        codice=f"N{number}",
        chain=chain,
        closure=f"<motivochiusura>{closed_because}</motivochiusura>" if closed_because else "",
    )


def hr_open(
    *, ref: str, status: str = "Active", nace: str = "49.31", title: str = "Bus driver"
) -> str:
    return HR_OPEN_POSITION.format(ref=ref, status=status, nace=nace, title=title)
