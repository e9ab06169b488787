// The booth page's line for a candidate: join, see the place and the wait live, leave.
"use strict";

(() => {
  const panel = document.getElementById("queue-panel");
  const queue = window.fairQueue;
  if (!panel || !queue || !document.getElementById("queue-in")) return;
  const S = queue.strings;
  const socket = window.FairSocket.shared();
  const boothId = Number(panel.dataset.boothId);
  const $ = (id) => document.getElementById(id);
  const ui = {
    closed: $("queue-closed"),
    loading: $("queue-loading"),
    out: $("queue-out"),
    inLine: $("queue-in"),
    waitingCount: $("queue-waiting-count"),
    outWait: $("queue-out-wait"),
    form: $("queue-join-form"),
    vacancy: $("queue-vacancy"),
    note: $("queue-note"),
    error: $("queue-error"),
    join: $("queue-join"),
    position: $("queue-position"),
    wait: $("queue-wait"),
    paused: $("queue-paused"),
    busy: $("queue-busy"),
    called: $("queue-called"),
    interview: $("queue-interview"),
    interviewLink: $("queue-interview-link"),
    notify: $("queue-notify"),
    notifyOn: $("queue-notify-on"),
    leaveError: $("queue-leave-error"),
    leave: $("queue-leave"),
    announcer: $("queue-announcer"),
  };

  let line = null; // the latest queue.position for this booth
  let entry = null; // this candidate's active entry here, or null
  const spoken = { state: null, position: null, paused: null, at: 0 };

  const errorText = (err) => (err.code === "socket.closed" ? S.networkError : err.message);

  // Polite, and not every step: a long line moves often. The last places are always said.
  const QUIET_MS = 30000;
  function announce(text) {
    ui.announcer.textContent = text;
    spoken.at = Date.now();
  }

  function speakChanges(state) {
    if (!line) return;
    if (state === "closed" && spoken.state !== null && spoken.state !== "closed") {
      announce(S.closedAnnounce);
    }
    spoken.state = state;
    if (spoken.paused !== null && spoken.paused !== line.paused && state === "waiting") {
      announce(line.paused ? S.pausedAnnounce : S.resumedAnnounce);
    }
    spoken.paused = line.paused;
    const place = state === "waiting" ? line.position : null;
    if (place !== null && place !== spoken.position) {
      if (spoken.position === null || place <= 3 || Date.now() - spoken.at > QUIET_MS) {
        announce(queue.format(S.position, { n: place }));
      }
    }
    spoken.position = place;
  }

  function render() {
    if (!line) return;
    const state = entry ? entry.state : line.open ? "out" : "closed";
    panel.dataset.state = state;
    ui.loading.hidden = true;
    ui.closed.hidden = state !== "closed";
    ui.out.hidden = state !== "out";
    ui.inLine.hidden = !entry;
    const wait = queue.waitText(line.wait_min_low, line.wait_min_high);
    if (state === "out") {
      ui.waitingCount.textContent = queue.format(S.waitingCount, { n: line.waiting });
      ui.outWait.textContent = wait;
    }
    if (entry) {
      const place = state === "waiting" && line.position !== null ? line.position : null;
      ui.position.dataset.position = place === null ? "" : String(place);
      ui.position.textContent =
        state === "called"
          ? S.lineCalled
          : state === "in_interview"
            ? S.lineInterview
            : place === null
              ? S.inLine
              : queue.format(S.position, { n: place });
      ui.wait.hidden = state !== "waiting";
      ui.wait.textContent = wait;
      ui.paused.hidden = !(state === "waiting" && line.paused);
      ui.busy.hidden = !(state === "waiting" && queue.busyElsewhere(boothId));
      ui.called.hidden = state !== "called";
      ui.interview.hidden = !(state === "in_interview" && entry.session_id);
      if (entry.session_id) ui.interviewLink.href = queue.interviewUrl(entry.session_id);
      ui.leave.hidden = state === "in_interview";
    }
    speakChanges(state);
  }

  function takeState(reply) {
    line = reply.position;
    entry = reply.entry;
    render();
  }

  socket.on("queue.position", (data) => {
    if (data.booth_id !== boothId) return;
    line = data;
    render();
  });
  queue.onEntry((changed) => {
    if (changed.booth_id === boothId) {
      entry = ["waiting", "called", "in_interview"].includes(changed.state) ? changed : null;
    }
    render(); // an entry elsewhere may make this one "busy elsewhere"
  });
  socket.whenOpen(() => {
    socket
      .request("queue.watch", { booth_id: boothId })
      .then(takeState)
      .catch((err) => {
        ui.loading.textContent = errorText(err);
      });
  });

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    ui.error.textContent = "";
    ui.join.disabled = true;
    const data = { booth_id: boothId, note: ui.note.value.trim() };
    if (ui.vacancy && ui.vacancy.value) data.vacancy_id = Number(ui.vacancy.value);
    socket
      .request("queue.join", data)
      .then((reply) => {
        takeState(reply);
        if (reply.entry) queue.updateEntry(reply.entry);
        announce(S.joinedAnnounce);
        ui.notify.hidden = !queue.canAskNotifications();
        ui.position.focus();
      })
      .catch((err) => {
        ui.error.textContent = errorText(err);
      })
      .finally(() => {
        ui.join.disabled = false;
      });
  });

  ui.notifyOn.addEventListener("click", () => {
    queue.askNotifications().finally(() => {
      ui.notify.hidden = true;
    });
  });

  ui.leave.addEventListener("click", () => {
    if (!entry || !window.confirm(S.leaveConfirm)) return;
    ui.leaveError.textContent = "";
    ui.leave.disabled = true;
    socket
      .request("queue.leave", { entry_id: entry.entry_id })
      .then((left) => {
        queue.updateEntry(left);
        announce(queue.format(S.youLeft, { employer: left.employer }));
        ui.join.focus();
      })
      .catch((err) => {
        ui.leaveError.textContent = errorText(err);
      })
      .finally(() => {
        ui.leave.disabled = false;
      });
  });
})();
