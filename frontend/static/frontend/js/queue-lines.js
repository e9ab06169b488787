// Home page: the lines this candidate waits in, each with its place and wait, kept live.
"use strict";

(() => {
  const section = document.getElementById("queue-lines");
  const queue = window.fairQueue;
  if (!section || !queue) return;
  const S = queue.strings;
  const list = document.getElementById("queue-lines-list");
  const socket = window.FairSocket.shared();
  const lines = new Map(); // booth_id → {entry, position}
  const boothUrl = (boothId) => section.dataset.boothUrl.replace(/0\/$/, `${boothId}/`);

  function describe({ entry, position }) {
    if (entry.state === "called") return S.lineCalled;
    if (entry.state === "in_interview") return S.lineInterview;
    const place = position && position.position !== null
      ? queue.format(S.position, { n: position.position })
      : S.inLine;
    if (!position) return place;
    return `${place} · ${queue.waitText(position.wait_min_low, position.wait_min_high)}`;
  }

  function render() {
    list.replaceChildren();
    for (const [boothId, line] of lines) {
      const item = document.createElement("li");
      item.className = "list-group-item d-flex flex-wrap justify-content-between align-items-center gap-2";
      item.dataset.boothId = String(boothId);
      const text = document.createElement("div");
      const employer = document.createElement("p");
      employer.className = "fw-semibold mb-0";
      employer.textContent = line.entry.employer;
      const status = document.createElement("p");
      status.className = "mb-0";
      status.textContent = describe(line);
      text.append(employer, status);
      const link = document.createElement("a");
      link.className = "btn btn-outline-primary";
      if (line.entry.state === "in_interview" && line.entry.session_id) {
        link.href = queue.interviewUrl(line.entry.session_id);
        link.textContent = S.openInterview;
      } else {
        link.href = boothUrl(boothId);
        link.textContent = S.goToBooth;
      }
      item.append(text, link);
      list.append(item);
    }
    section.hidden = lines.size === 0;
  }

  queue.onMine((mine) => {
    lines.clear();
    for (const line of mine) {
      if (!line.entry) continue;
      lines.set(line.entry.booth_id, { entry: line.entry, position: line.position });
      // Positions reach only sockets that watch the booth.
      socket.request("queue.watch", { booth_id: line.entry.booth_id }).catch(() => {});
    }
    render();
  });
  queue.onEntry((entry, fromMine) => {
    if (fromMine) return;
    const line = lines.get(entry.booth_id);
    if (!["waiting", "called", "in_interview"].includes(entry.state)) {
      lines.delete(entry.booth_id);
      render();
    } else if (line) {
      line.entry = entry;
      render();
    } else {
      queue.refreshMine().catch(() => {}); // joined from another tab or device
    }
  });
  socket.on("queue.position", (position) => {
    const line = lines.get(position.booth_id);
    if (!line) return;
    line.position = position;
    render();
  });
})();
