// The recruiter console: a booth's line live (queue.console / queue.line), call, skip, remove,
// pause; the interview opens by itself when the candidate this recruiter called accepts.
"use strict";

(() => {
  const root = document.getElementById("queue-console");
  if (!root) return;
  const S = JSON.parse(document.getElementById("console-strings").textContent);
  const socket = window.FairSocket.shared();
  const boothId = Number(root.dataset.boothId);
  const me = Number(root.dataset.userId);
  const $ = (id) => document.getElementById(id);
  const ui = {
    waiting: $("console-waiting"),
    wait: $("console-wait"),
    paused: $("console-paused"),
    status: $("console-status"),
    announcer: $("console-announcer"),
    callNextForm: $("console-call-next-form"),
    vacancy: $("console-vacancy"),
    callNext: $("queue-call-next"),
    pause: $("queue-pause"),
    busy: $("console-busy"),
    busyEmpty: $("console-busy-empty"),
    line: $("console-line"),
    empty: $("console-empty"),
  };
  const format = (template, values) =>
    template.replace(/%\((\w+)\)s/g, (_match, key) => String(values[key]));
  const interviewUrl = (id) => root.dataset.interviewUrl.replace(/0\/$/, `${id}/`);
  const clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23", // 24-hour, as the times the server writes
  });
  const dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    dateStyle: "medium",
  });

  let current = null; // the latest queue.line
  const seen = new Map(); // entry_id → state at the previous render

  function fail(err) {
    ui.status.textContent = err.code === "socket.closed" ? S.networkError : err.message;
  }

  function act(type, data) {
    ui.status.textContent = "";
    return socket.request(type, data).catch((err) => {
      fail(err);
      throw err;
    });
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(action, entry, label, ariaLabel, style) {
    const node = element("button", `btn ${style}`, label);
    node.type = "button";
    node.dataset.action = action;
    node.dataset.entryId = String(entry.entry_id);
    node.setAttribute("aria-label", ariaLabel);
    return node;
  }

  function countdown(answerBy) {
    const left = Math.round((Date.parse(answerBy) - Date.now()) / 1000);
    if (left <= 0) return S.answerLate;
    return format(S.answerWithin, { time: `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` });
  }

  function busyRow(entry) {
    const item = element("li", "list-group-item");
    item.dataset.entryId = String(entry.entry_id);
    item.dataset.state = entry.state;
    const by = entry.called_by || "—";
    const template = entry.state === "called" ? S.called : S.interviewing;
    item.append(element("p", "fw-semibold mb-1", format(template, { name: entry.name, by })));
    if (entry.state === "called" && entry.answer_by) {
      const timer = element("p", "mb-0", countdown(entry.answer_by));
      timer.dataset.answerBy = entry.answer_by;
      item.append(timer);
    }
    if (entry.state === "in_interview" && entry.session_id && entry.called_by_id === me) {
      const link = element("a", "btn btn-primary mt-2", format(S.joinInterview, { name: entry.name }));
      link.href = interviewUrl(entry.session_id);
      item.append(link);
    }
    return item;
  }

  function waitingRow(entry) {
    const item = element("li", "card card-bg shadow-sm mb-3 queue-row");
    item.dataset.entryId = String(entry.entry_id);
    const body = element("div", "card-body");
    const head = element("p", "mb-1 d-flex flex-wrap gap-2 align-items-baseline");
    head.append(
      element("span", "badge bg-primary", format(S.number, { n: entry.position })),
      element("span", "h5 mb-0", entry.name),
    );
    if (entry.busy_elsewhere) head.append(element("span", "badge bg-warning text-dark", S.busyElsewhere));
    if (entry.cv_validated_at) {
      const on = dateFormat.format(new Date(entry.cv_validated_at));
      head.append(element("span", "badge bg-success cv-badge", format(S.cvValidated, { date: on })));
    }
    body.append(head);
    if (entry.vacancy) body.append(element("p", "mb-1", format(S.vacancy, { title: entry.vacancy })));
    if (entry.note) body.append(element("p", "mb-1 queue-note", entry.note));
    const since = format(S.waitingSince, { time: clock.format(new Date(entry.joined_at)) });
    const missed = entry.no_shows ? ` · ${format(S.missedCalls, { n: entry.no_shows })}` : "";
    body.append(element("p", "small text-secondary mb-2", since + missed));
    const actions = element("div", "queue-row-actions");
    actions.append(
      button("call", entry, S.call, format(S.callName, { name: entry.name }), "btn-primary"),
      button("skip", entry, S.skip, format(S.skipName, { name: entry.name }), "btn-outline-primary"),
      button("remove", entry, S.remove, format(S.removeName, { name: entry.name }), "btn-outline-danger"),
    );
    body.append(actions);
    item.append(body);
    return item;
  }

  function render(line) {
    const wasPaused = current ? current.paused : null;
    current = line;
    root.dataset.state = line.paused ? "paused" : line.waiting ? "waiting" : "empty";
    ui.waiting.textContent = format(S.waitingCount, { n: line.waiting });
    ui.wait.textContent =
      line.wait_min_low > 0
        ? format(S.wait, { low: line.wait_min_low, high: line.wait_min_high })
        : format(S.waitUnder, { high: line.wait_min_high });
    ui.paused.hidden = !line.paused;
    ui.paused.textContent = S.paused;
    ui.pause.textContent = line.paused ? S.resume : S.pause;
    ui.callNext.disabled = line.paused || line.waiting === 0;
    if (wasPaused !== null && wasPaused !== line.paused) {
      ui.announcer.textContent = line.paused ? S.pausedAnnounce : S.resumedAnnounce;
    }

    // Rebuilding the rows must not throw a keyboard user's focus away.
    const focused = document.activeElement;
    const keep = focused && focused.dataset && focused.dataset.action
      ? [focused.dataset.action, focused.dataset.entryId]
      : null;
    const busy = line.entries.filter((e) => e.state !== "waiting");
    const waiting = line.entries.filter((e) => e.state === "waiting");
    ui.busy.replaceChildren(...busy.map(busyRow));
    ui.busyEmpty.hidden = busy.length > 0;
    ui.line.replaceChildren(...waiting.map(waitingRow));
    ui.empty.hidden = waiting.length > 0;
    if (keep) {
      const again = root.querySelector(`[data-action="${keep[0]}"][data-entry-id="${keep[1]}"]`);
      (again || ui.callNext).focus();
    }

    for (const entry of busy) {
      const before = seen.get(entry.entry_id);
      if (entry.state === "called" && before !== "called") {
        ui.announcer.textContent = format(S.calledAnnounce, { name: entry.name });
      }
      // Only on the change itself: a console reopened during an interview stays put.
      if (
        before === "called" &&
        entry.state === "in_interview" &&
        entry.session_id &&
        entry.called_by_id === me
      ) {
        ui.announcer.textContent = format(S.acceptedAnnounce, { name: entry.name });
        window.location.assign(interviewUrl(entry.session_id));
      }
    }
    seen.clear();
    for (const entry of line.entries) seen.set(entry.entry_id, entry.state);
  }

  setInterval(() => {
    for (const timer of root.querySelectorAll("[data-answer-by]")) {
      timer.textContent = countdown(timer.dataset.answerBy);
    }
  }, 1000);

  socket.on("queue.line", (line) => {
    if (line.booth_id === boothId) render(line);
  });
  socket.whenOpen(() => {
    socket.request("queue.console", { booth_id: boothId }).then(render).catch(fail);
  });

  ui.callNextForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = { booth_id: boothId };
    if (ui.vacancy && ui.vacancy.value) data.vacancy_id = Number(ui.vacancy.value);
    ui.callNext.disabled = true;
    act("queue.call_next", data)
      .catch(() => {})
      .finally(() => {
        if (current) ui.callNext.disabled = current.paused || current.waiting === 0;
      });
  });

  ui.pause.addEventListener("click", () => {
    if (!current) return;
    act("queue.pause", { booth_id: boothId, paused: !current.paused }).catch(() => {});
  });

  ui.line.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-action]");
    if (!target || !current) return;
    const entryId = Number(target.dataset.entryId);
    const entry = current.entries.find((e) => e.entry_id === entryId);
    if (!entry) return;
    const action = target.dataset.action;
    if (action === "remove" && !window.confirm(format(S.removeConfirm, { name: entry.name }))) return;
    act(`queue.${action}`, { entry_id: entryId }).catch(() => {});
  });
})();
