// A candidate's booth lines on any page with the socket: their entries (queue.mine, queue.entry)
// for the other queue scripts (window.fairQueue), and the dialog when a recruiter calls.
"use strict";

(() => {
  const dialog = document.getElementById("queue-call-dialog");
  if (!dialog) return;
  const S = JSON.parse(document.getElementById("queue-strings").textContent);
  const socket = window.FairSocket.shared();
  const ACTIVE = ["waiting", "called", "in_interview"];

  const format = (template, values) =>
    template.replace(/%\((\w+)\)s/g, (_match, key) => String(values[key]));

  const waitText = (low, high) =>
    low > 0 ? format(S.wait, { low, high }) : format(S.waitUnder, { high });

  const interviewUrl = (sessionId) => dialog.dataset.interviewUrl.replace(/0\/$/, `${sessionId}/`);

  // --- the candidate's entries, shared with queue-booth.js and queue-lines.js ------------------

  const entries = new Map(); // entry_id → the latest queue.entry data, active entries only
  const entryListeners = [];
  const mineListeners = [];

  // `fromMine`: part of a queue.mine reply, whose lines the onMine listeners get next.
  function updateEntry(entry, fromMine = false) {
    const before = entries.get(entry.entry_id);
    if (ACTIVE.includes(entry.state)) entries.set(entry.entry_id, entry);
    else entries.delete(entry.entry_id);
    for (const listener of entryListeners) listener(entry, fromMine);
    if (before && !fromMine) explainChange(before, entry);
  }

  function refreshMine() {
    return socket.request("queue.mine").then((reply) => {
      const seen = new Set();
      for (const line of reply.lines) {
        if (!line.entry) continue;
        seen.add(line.entry.entry_id);
        updateEntry(line.entry, true);
      }
      // Entries that ended while the socket was away.
      for (const id of Array.from(entries.keys())) if (!seen.has(id)) entries.delete(id);
      if (calling && !seen.has(calling.entry_id)) closeCall();
      for (const listener of mineListeners) listener(reply.lines);
    });
  }

  function busyElsewhere(boothId) {
    for (const entry of entries.values()) {
      if (entry.booth_id !== boothId && entry.state !== "waiting") return true;
    }
    return false;
  }

  // --- notices: what happened to a call, in words -------------------------------------------

  const notices = document.getElementById("queue-notices");

  function notice(text) {
    const box = document.createElement("div");
    box.className = "alert alert-info d-flex justify-content-between align-items-start gap-2";
    const message = document.createElement("p");
    message.className = "mb-0";
    message.textContent = text;
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "btn btn-sm btn-outline-primary";
    dismiss.textContent = S.dismiss;
    dismiss.addEventListener("click", () => box.remove());
    box.append(message, dismiss);
    notices.append(box);
  }

  // --- being called ---------------------------------------------------------------------------

  const ui = {
    text: document.getElementById("queue-call-text"),
    countdown: document.getElementById("queue-call-countdown"),
    error: document.getElementById("queue-call-error"),
    accept: document.getElementById("queue-call-accept"),
    decline: document.getElementById("queue-call-decline"),
  };
  let calling = null;
  let ticker = null;
  let flasher = null;
  let audio = null;
  const pageTitle = document.title;

  // Browsers only let a page make sound after a tap or key press: be ready from the first one.
  const unlockAudio = () => {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
  };
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  function ring() {
    if (!audio) return;
    audio.resume().catch(() => {});
    const start = audio.currentTime + 0.05;
    for (let beep = 0; beep < 3; beep += 1) {
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      const at = start + beep * 0.35;
      tone.frequency.value = beep === 2 ? 1175 : 880;
      volume.gain.setValueAtTime(0.0001, at);
      volume.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
      tone.connect(volume).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.3);
    }
  }

  function alertOutsideThePage(entry) {
    ring();
    if (navigator.vibrate) navigator.vibrate([300, 150, 300, 150, 300]);
    const flash = format(S.titleFlash, { employer: entry.employer });
    let on = false;
    clearInterval(flasher);
    flasher = setInterval(() => {
      on = !on;
      document.title = on ? flash : pageTitle;
    }, 1000);
    if ("Notification" in window && Notification.permission === "granted") {
      try {
        const shown = new Notification(S.notificationTitle, {
          body: format(S.notificationBody, { employer: entry.employer }),
          tag: `queue-call-${entry.entry_id}`,
          requireInteraction: true,
        });
        shown.addEventListener("click", () => {
          window.focus();
          shown.close();
        });
      } catch (err) {
        // Android Chrome allows notifications from a service worker only; the dialog remains.
      }
    }
  }

  function showCountdown() {
    const left = Math.round((Date.parse(calling.answer_by) - Date.now()) / 1000);
    if (left <= 0) {
      ui.countdown.textContent = S.timeUp;
      return;
    }
    const time = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    ui.countdown.textContent = format(S.countdown, { time });
  }

  function showCall(entry) {
    const isNew = !calling || calling.entry_id !== entry.entry_id;
    calling = entry;
    ui.text.textContent = format(S.callText, { employer: entry.employer });
    ui.error.textContent = "";
    ui.accept.disabled = false;
    ui.decline.disabled = false;
    showCountdown();
    clearInterval(ticker);
    ticker = setInterval(showCountdown, 1000);
    if (!dialog.open) dialog.showModal();
    if (isNew) {
      ui.accept.focus();
      alertOutsideThePage(entry);
    }
  }

  function closeCall() {
    calling = null;
    clearInterval(ticker);
    clearInterval(flasher);
    document.title = pageTitle;
    if (dialog.open) dialog.close();
  }

  // The server settles the call (answered, lapsed, removed): the dialog follows it.
  entryListeners.push((entry) => {
    if (entry.state === "called") showCall(entry);
    else if (calling && calling.entry_id === entry.entry_id) closeCall();
  });

  // Changes the candidate did not make themselves, in words.
  function explainChange(before, entry) {
    const values = { employer: entry.employer };
    if (before.state === "called" && entry.state === "waiting" && entry.no_shows > before.no_shows) {
      notice(format(S.lapsedKept, values));
    } else if (entry.state === "no_show") {
      notice(format(S.lapsedOut, values));
    } else if (entry.state === "removed") {
      notice(format(S.removed, values));
    }
  }

  // A candidate must decide: Escape does not dismiss the call unanswered.
  dialog.addEventListener("cancel", (event) => event.preventDefault());

  ui.accept.addEventListener("click", () => {
    if (!calling) return;
    ui.accept.disabled = true;
    ui.decline.disabled = true;
    socket
      .request("queue.answer", { entry_id: calling.entry_id })
      .then((reply) => {
        clearInterval(flasher);
        document.title = pageTitle;
        window.location.assign(interviewUrl(reply.session_id));
      })
      .catch((err) => {
        ui.error.textContent = err.code === "socket.closed" ? S.networkError : err.message;
        ui.accept.disabled = false;
        ui.decline.disabled = false;
      });
  });

  ui.decline.addEventListener("click", () => {
    if (!calling) return;
    const entry = calling;
    ui.decline.disabled = true;
    socket
      .request("queue.leave", { entry_id: entry.entry_id })
      .then((left) => {
        closeCall();
        updateEntry(left);
        notice(format(S.youLeft, { employer: entry.employer }));
      })
      .catch((err) => {
        ui.error.textContent = err.code === "socket.closed" ? S.networkError : err.message;
        ui.decline.disabled = false;
      });
  });

  socket.on("queue.entry", (entry) => updateEntry(entry));
  // After a load or a reconnect: a call made meanwhile still shows.
  socket.whenOpen(() => refreshMine().catch(() => {}));

  window.fairQueue = {
    strings: S,
    format,
    waitText,
    interviewUrl,
    busyElsewhere,
    refreshMine,
    updateEntry,
    onEntry: (listener) => entryListeners.push(listener),
    onMine: (listener) => mineListeners.push(listener),
    // Asked only after joining a line, and only from a tap (browsers require one).
    askNotifications: () =>
      "Notification" in window && Notification.permission === "default"
        ? Notification.requestPermission()
        : Promise.resolve("Notification" in window ? Notification.permission : "denied"),
    canAskNotifications: () => "Notification" in window && Notification.permission === "default",
  };
})();
