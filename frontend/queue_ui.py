"""Translated strings for the queue scripts, handed to them as JSON by the pages.

The scripts fill in %(name)s placeholders themselves. Counts are written as "label: n" so no
plural forms are needed on the browser side.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Strings = dict[str, Promise]

# queue-candidate.js (call dialog, notices), queue-booth.js and queue-lines.js.
CANDIDATE: Strings = {
    "callText": _("%(employer)s is ready to talk to you now by video."),
    "countdown": _("Answer within %(time)s."),
    "timeUp": _("Time is up. Checking whether the call is still open…"),
    "titleFlash": _("Call from %(employer)s"),
    "notificationTitle": _("A recruiter is calling you"),
    "notificationBody": _("%(employer)s is ready to talk to you. Open the page to answer."),
    "lapsedKept": _(
        "You did not answer %(employer)s in time. You are still in line, a few places further back."
    ),
    "lapsedOut": _("You did not answer %(employer)s in time, so you left their line."),
    "removed": _(
        "You are no longer in the line of %(employer)s: the recruiters took you out, "
        "or the booth closed."
    ),
    "youLeft": _("You left the line of %(employer)s."),
    "dismiss": _("Dismiss"),
    "position": _("You are number %(n)s in line"),
    "inLine": _("You are in line"),
    "wait": _("Estimated wait: about %(low)s–%(high)s min"),
    "waitUnder": _("Estimated wait: under %(high)s min"),
    "waitingCount": _("People waiting: %(n)s"),
    "joinedAnnounce": _("You joined the line."),
    "pausedAnnounce": _("The recruiters paused the line. You keep your place."),
    "resumedAnnounce": _("The line is moving again."),
    "closedAnnounce": _("This booth is not receiving candidates now."),
    "leaveConfirm": _("Leave the line? You would lose your place."),
    "lineCalled": _("A recruiter is calling you"),
    "lineInterview": _("Your interview is open"),
    "openInterview": _("Open the interview"),
    "goToBooth": _("Go to the booth"),
    "networkError": _("No connection to the server. Try again in a moment."),
}

# queue-console.js, the recruiter console.
CONSOLE: Strings = {
    "waitingCount": _("People waiting: %(n)s"),
    "wait": _("Estimated wait for someone joining now: about %(low)s–%(high)s min"),
    "waitUnder": _("Estimated wait for someone joining now: under %(high)s min"),
    "pause": _("Pause the line"),
    "resume": _("Resume the line"),
    "paused": _("The line is paused: nobody is called, candidates keep their places."),
    "call": _("Call"),
    "skip": _("Skip"),
    "remove": _("Remove"),
    "callName": _("Call %(name)s"),
    "skipName": _("Skip %(name)s"),
    "removeName": _("Remove %(name)s"),
    "removeConfirm": _("Take %(name)s out of the line? They lose their place."),
    "number": _("No. %(n)s"),
    "waitingSince": _("Waiting since %(time)s"),
    "vacancy": _("Position: %(title)s"),
    "busyElsewhere": _("Busy at another booth"),
    "cvValidated": _("CV validated by CPI on %(date)s"),
    "missedCalls": _("Missed calls: %(n)s"),
    "called": _("%(name)s: called by %(by)s"),
    "interviewing": _("%(name)s: in interview with %(by)s"),
    "answerWithin": _("Answer expected within %(time)s"),
    "answerLate": _("Waiting for the answer…"),
    "joinInterview": _("Join the interview with %(name)s"),
    "calledAnnounce": _("%(name)s is being called."),
    "acceptedAnnounce": _("%(name)s accepted. Opening the interview…"),
    "pausedAnnounce": _("The line is paused."),
    "resumedAnnounce": _("The line is open again."),
    "networkError": _("No connection to the server. Try again in a moment."),
}

# fair-queues.js, the organiser's fair page.
FAIR_STATS: Strings = {
    "wait": _("about %(low)s–%(high)s min"),
    "waitUnder": _("under %(high)s min"),
    "noWait": _("–"),
    "pause": _("Pause the line"),
    "resume": _("Resume the line"),
    "pausedBadge": _("Paused"),
    "openBadge": _("Open"),
    "pauseName": _("Pause the line of %(name)s"),
    "resumeName": _("Resume the line of %(name)s"),
    "networkError": _("No connection to the server. Try again in a moment."),
}
