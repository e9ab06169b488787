"""Translated strings for presentation-viewer.js and presentation-presenter.js (as JSON).

Counts are written as "label: n" so no plural forms are needed on the browser side.
"""

from django.utils.translation import gettext_lazy as _

from frontend.queue_ui import Strings

# Refusals of the presentation.* commands, by error code, worded for people.
ERRORS: Strings = {
    "presentation.full": _(
        "The presentation is full right now. Try again in a few minutes, or join the line below."
    ),
    "presentation.not_live": _("The presentation is not live now."),
    "presentation.already_live": _(
        "This booth is already presenting (maybe in another window). End it there first."
    ),
    "presentation.no_relay": _(
        "The presentation service is not available right now. Try again in a moment."
    ),
    "permission.denied": _("You are not allowed to do this."),
    "media": _("Your camera, microphone or screen could not be used: check the permissions."),
    "other": _("Something went wrong. Try again in a moment."),
}

VIEWER: Strings = {
    **ERRORS,
    "viewers": _("Watching now: %(n)s"),
    "connecting": _("Connecting to the presentation…"),
    "watching": _("You are watching the presentation."),
    "listening": _("You are listening to the presentation (audio only)."),
    "started": _("The booth is presenting now."),
    "ended": _("The presentation has ended."),
    "questionSent": _("Your question was sent to the presenter."),
    "handUp": _("Lower your hand"),
    "handDown": _("Raise your hand"),
    "handRaised": _("Your hand is raised: the presenter can see it."),
    "handLowered": _("You lowered your hand."),
}

PRESENTER: Strings = {
    **ERRORS,
    "viewers": _("Watching now: %(n)s (at most %(max)s)"),
    "starting": _("Going live…"),
    "live": _("You are live. Candidates on the booth page can watch."),
    "ended": _("The presentation has ended."),
    "question": _("%(name)s asks: %(text)s"),
    "hand": _("%(name)s raised their hand"),
    "handsNone": _("No raised hands."),
    "questionsNone": _("No questions yet."),
}
