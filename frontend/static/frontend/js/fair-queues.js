// Organiser's fair page: every booth's line in numbers, live (fair.watch / queue.stats), and a
// pause switch per booth.
"use strict";

(() => {
  const list = document.getElementById("fair-queues");
  if (!list) return;
  const S = JSON.parse(document.getElementById("fair-queue-strings").textContent);
  const status = document.getElementById("fair-queues-status");
  const socket = window.FairSocket.shared();
  const fairId = Number(list.dataset.fairId);
  const format = (template, values) =>
    template.replace(/%\((\w+)\)s/g, (_match, key) => String(values[key]));
  const row = (boothId) => list.querySelector(`.fair-queue[data-booth-id="${boothId}"]`);

  function showPaused(item, paused) {
    item.dataset.paused = String(paused);
    item.querySelector('[data-stat="paused"]').textContent = paused ? S.pausedBadge : S.openBadge;
    const toggle = item.querySelector("[data-pause-booth]");
    const name = item.dataset.boothName;
    toggle.textContent = paused ? S.resume : S.pause;
    toggle.setAttribute("aria-label", format(paused ? S.resumeName : S.pauseName, { name }));
  }

  socket.on("queue.stats", (stats) => {
    const item = stats.fair_id === fairId && row(stats.booth_id);
    if (!item) return;
    for (const key of ["waiting", "called", "in_interview"]) {
      item.querySelector(`[data-stat="${key}"]`).textContent = String(stats[key]);
    }
    item.querySelector('[data-stat="wait"]').textContent = !stats.waiting
      ? S.noWait
      : stats.wait_min_low > 0
        ? format(S.wait, { low: stats.wait_min_low, high: stats.wait_min_high })
        : format(S.waitUnder, { high: stats.wait_min_high });
    showPaused(item, stats.paused);
  });
  socket.whenOpen(() => socket.request("fair.watch", { fair_id: fairId }).catch(() => {}));

  list.addEventListener("click", (event) => {
    const toggle = event.target.closest("[data-pause-booth]");
    if (!toggle) return;
    const item = toggle.closest(".fair-queue");
    status.textContent = "";
    socket
      .request("queue.pause", {
        booth_id: Number(toggle.dataset.pauseBooth),
        paused: item.dataset.paused !== "true",
      })
      .then((reply) => showPaused(item, reply.paused))
      .catch((err) => {
        status.textContent = err.code === "socket.closed" ? S.networkError : err.message;
      });
  });
})();
