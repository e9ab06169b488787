// Times are written in the fair's zone, named. A viewer in another zone (EURES fairs span
// countries) also sees the same moment in their own, next to it.
"use strict";

(() => {
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const template = JSON.parse(document.getElementById("local-time-label").textContent);
  const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23", // 24-hour, as the times the server writes
    timeZone: here,
  });
  for (const time of document.querySelectorAll("time[datetime][data-zone]")) {
    if (time.dataset.zone === here) continue;
    const note = document.createElement("span");
    note.className = "local-time";
    const moment = format.format(new Date(time.getAttribute("datetime")));
    note.textContent = ` (${template.replace("{time}", moment).replace("{zone}", here)})`;
    time.after(note);
  }
})();
