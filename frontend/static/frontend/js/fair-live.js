// Fair page: the status badge follows the fair live, and screen readers hear the change.
"use strict";

(() => {
  const badge = document.getElementById("fair-status");
  const announcer = document.getElementById("fair-status-announcer");
  if (!badge) return;
  const fairId = Number(badge.dataset.fairId);
  const labels = JSON.parse(document.getElementById("fair-status-labels").textContent);
  const socket = window.FairSocket.shared();
  socket.whenOpen(() => socket.request("fair.watch", { fair_id: fairId }).catch(() => {}));
  socket.on("fair.status_changed", (data) => {
    if (data.fair_id !== fairId) return;
    badge.textContent = labels[data.status];
    badge.dataset.status = data.status;
    badge.classList.toggle("bg-success", data.status === "live");
    badge.classList.toggle("bg-primary", data.status !== "live");
    announcer.textContent = labels[data.status];
  });
})();
