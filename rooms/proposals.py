"""What a fair proposes: the open vacancies (and so the employers) of its sectors, in its
regions, of its occupations if it names some, not yet shown at one of its booths. Organisers
approve them into booths with the ordinary booth services."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import Perm, require
from employers.models import Employer, Vacancy
from employers.nuts import region_code
from employers.selectors import vacancies_open, vacancy_in_sections
from fairplatform.audit import audit_record
from fairplatform.errors import DomainError
from rooms.models import Booth, DismissedProposal, Fair
from rooms.services import booth_create, booth_invite_again, booth_update, fair_lock


def fair_nuts_codes(fair: Fair) -> list[str]:
    """The fair's NUTS codes; without any, its region's if the name is an Italian region."""
    codes = [str(code).upper() for code in fair.nuts_codes if code]
    if codes:
        return codes
    code = region_code(fair.region)
    return [code] if code else []


def fair_matching_vacancies(*, fair: Fair) -> list[Vacancy]:
    """Open vacancies that match the fair (sector + region + occupation filter), less those its
    organisers dismissed."""
    vacancies = (
        vacancies_open()
        .exclude(pk__in=fair.dismissed_proposals.values("vacancy_id"))
        .select_related("employer", "sector")
    )
    codes = fair_nuts_codes(fair)
    if codes:
        place = Q()
        for code in codes:
            place |= Q(nuts3__startswith=code)
        vacancies = vacancies.filter(place)
    occupations = [str(code) for code in fair.occupation_filter if code]
    if occupations:
        wanted = Q()
        for prefix in occupations:
            wanted |= Q(occupation_isco__startswith=prefix)
        vacancies = vacancies.filter(wanted)
    sectors = list(fair.sectors.all())
    return [
        v for v in vacancies.order_by("employer_name", "title") if vacancy_in_sections(v, sectors)
    ]


@dataclass
class Proposal:
    """One employer (or, for an imported vacancy, the name of one without an account)."""

    employer: Employer | None
    name: str
    booth: Booth | None
    vacancies: list[Vacancy] = field(default_factory=list)


def proposed_vacancies(*, fair: Fair) -> list[Vacancy]:
    """What the fair proposes now: matching, not dismissed, not yet shown at one of its booths."""
    shown = set(Vacancy.objects.filter(booths__fair=fair).values_list("pk", flat=True))
    return [v for v in fair_matching_vacancies(fair=fair) if v.pk not in shown]


def fair_proposals(*, actor: User, fair: Fair) -> list[Proposal]:
    require(actor, Perm.FAIR_MANAGE, fair)
    booths = {booth.employer_id: booth for booth in fair.booths.select_related("employer")}
    groups: dict[object, Proposal] = {}
    for vacancy in proposed_vacancies(fair=fair):
        employer = vacancy.employer
        key: object = employer.pk if employer else ("name", vacancy.employer_name)
        if key not in groups:
            groups[key] = Proposal(
                employer=employer,
                name=employer.legal_name if employer else vacancy.employer_name,
                booth=booths.get(employer.pk) if employer else None,
            )
        groups[key].vacancies.append(vacancy)
    return sorted(groups.values(), key=lambda p: (p.employer is None, p.name.lower()))


@transaction.atomic
def proposals_approve(*, actor: User, fair: Fair, vacancy_ids: list[int]) -> list[Booth]:
    """Show these vacancies at the fair. An employer without a booth gets one that waits for
    its confirmation (`booth_answer`); one that declined is asked again."""
    require(actor, Perm.FAIR_MANAGE, fair)
    fair_lock(fair)
    chosen = proposals_chosen(actor=actor, fair=fair, vacancy_ids=vacancy_ids)
    if any(v.employer is None for v in chosen):
        raise DomainError(
            "proposal.no_employer",
            _("This employer has no account yet: add the employer first, then approve."),
        )
    by_employer: dict[int, list[Vacancy]] = {}
    for vacancy in chosen:
        assert vacancy.employer is not None  # noqa: S101  (checked above)
        by_employer.setdefault(vacancy.employer.pk, []).append(vacancy)
    booths = []
    for employer_id, vacancies in by_employer.items():
        booth = fair.booths.filter(employer_id=employer_id).first()
        if booth is None:
            booth = booth_create(
                actor=actor,
                fair=fair,
                employer=vacancies[0].employer,  # type: ignore[arg-type]
                participation=Booth.Participation.INVITED,
            )
        else:
            booth = booth_invite_again(actor=actor, booth=booth)
        current = list(booth.vacancies.all())
        booths.append(
            booth_update(
                actor=actor,
                booth=booth,
                vacancies=current + [v for v in vacancies if v not in current],
            )
        )
    return booths


def proposals_chosen(*, actor: User, fair: Fair, vacancy_ids: list[int]) -> list[Vacancy]:
    """The proposed vacancies among these ids; refused unless every id is one."""
    require(actor, Perm.FAIR_MANAGE, fair)
    proposed = {v.pk: v for v in proposed_vacancies(fair=fair)}
    chosen = [proposed[pk] for pk in dict.fromkeys(vacancy_ids) if pk in proposed]
    if not chosen or len(chosen) != len(set(vacancy_ids)):
        raise DomainError(
            "proposal.invalid", _("These vacancies are not (or no longer) proposed for this fair.")
        )
    return chosen


@transaction.atomic
def proposals_dismiss(*, actor: User, fair: Fair, vacancy_ids: list[int]) -> list[Vacancy]:
    """Never propose these vacancies for this fair again (they can still be added to a booth
    by hand)."""
    require(actor, Perm.FAIR_MANAGE, fair)
    fair_lock(fair)
    chosen = proposals_chosen(actor=actor, fair=fair, vacancy_ids=vacancy_ids)
    DismissedProposal.objects.bulk_create(
        [DismissedProposal(fair=fair, vacancy=v, dismissed_by=actor) for v in chosen],
        ignore_conflicts=True,  # a second click, or a colleague, dismissed one already
    )
    audit_record(
        actor=actor,
        action="rooms.proposals.dismissed",
        obj=fair,
        vacancies=[v.pk for v in chosen],
    )
    return chosen


def fair_dismissed_proposals(*, actor: User, fair: Fair) -> list[DismissedProposal]:
    """What organisers dismissed for this fair, newest first, so a mistaken click can be undone."""
    require(actor, Perm.FAIR_MANAGE, fair)
    return list(
        fair.dismissed_proposals.select_related("vacancy__employer", "dismissed_by").order_by(
            "-dismissed_at", "-pk"
        )
    )


@transaction.atomic
def proposals_restore(*, actor: User, fair: Fair, vacancy_ids: list[int]) -> int:
    """Propose these dismissed vacancies for this fair again (when they still match it)."""
    require(actor, Perm.FAIR_MANAGE, fair)
    dismissed = fair.dismissed_proposals.filter(vacancy_id__in=vacancy_ids)
    restored = sorted(dismissed.values_list("vacancy_id", flat=True))
    if not restored:
        raise DomainError(
            "proposal.not_dismissed", _("These vacancies are not dismissed for this fair.")
        )
    dismissed.delete()
    audit_record(actor=actor, action="rooms.proposals.restored", obj=fair, vacancies=restored)
    return len(restored)
