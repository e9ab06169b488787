// The booth page's presentation for a candidate: watch (or listen), ask, raise a hand.
// Media comes from a relay process (docs/architecture.md "Booth presentations"); the signalling
// is presentation.* over the page's one socket. The relay never trickles: offer and answer carry
// every ICE candidate, so the page waits for its gathering to finish before sending the offer.
"use strict";

(() => {
  const panel = document.getElementById("presentation-panel");
  if (!panel) return;
  const S = JSON.parse(document.getElementById("presentation-strings").textContent);
  const socket = window.FairSocket.shared();
  const boothId = Number(panel.dataset.boothId);
  const $ = (id) => document.getElementById(id);
  const ui = {
    viewers: $("presentation-viewers"),
    video: $("presentation-video"),
    error: $("presentation-error"),
    audioOnly: $("presentation-audio-only"),
    watch: $("presentation-watch"),
    stop: $("presentation-stop"),
    hand: $("presentation-hand"),
    form: $("presentation-question-form"),
    question: $("presentation-question"),
    status: $("presentation-status"),
  };
  const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, key) => String(values[key]));
  const errorText = (err) => S[err.code] || S.other;
  // What tests (and the debugging console) read: the peer and the page's state.
  const state = (window.fairPresentation = { pc: null, state: "off", live: false });

  function show(name) {
    state.state = name;
    panel.dataset.state = name;
    const watching = name === "watching" || name === "connecting";
    panel.hidden = !state.live && !watching;
    ui.watch.hidden = watching;
    ui.stop.hidden = !watching;
    ui.hand.hidden = name !== "watching";
    ui.form.hidden = name !== "watching";
    ui.video.hidden = !watching || ui.audioOnly.checked;
  }

  function announce(text) {
    ui.status.textContent = text;
  }

  function closePeer() {
    if (state.pc) state.pc.close();
    state.pc = null;
    ui.video.srcObject = null;
  }

  function gathered(pc, ms = 3000) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (pc.iceGatheringState !== "complete") return;
        pc.removeEventListener("icegatheringstatechange", done);
        resolve();
      };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, ms);
    });
  }

  async function watch() {
    ui.error.textContent = "";
    closePeer();
    show("connecting");
    announce(S.connecting);
    const audioOnly = ui.audioOnly.checked;
    const pc = new RTCPeerConnection({ iceServers: [] });
    state.pc = pc;
    pc.addTransceiver("audio", { direction: "recvonly" });
    if (!audioOnly) pc.addTransceiver("video", { direction: "recvonly" });
    const stream = new MediaStream();
    pc.addEventListener("track", (e) => {
      stream.addTrack(e.track);
      ui.video.srcObject = stream;
      ui.video.play().catch(() => {});
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc === state.pc && pc.connectionState === "failed") {
        closePeer();
        show("off");
        ui.error.textContent = S.other;
      }
    });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const reply = await socket.request("presentation.watch", {
        booth_id: boothId,
        description: { type: "offer", sdp: pc.localDescription.sdp },
        audio_only: audioOnly,
      });
      if (pc !== state.pc) return;
      await pc.setRemoteDescription(reply.description);
      show("watching");
      announce(audioOnly ? S.listening : S.watching);
    } catch (err) {
      if (pc !== state.pc) return;
      closePeer();
      show("off");
      ui.error.textContent = errorText(err);
    }
  }

  async function stop() {
    closePeer();
    show("off");
    setHand(false, false);
    try {
      await socket.request("presentation.leave", { booth_id: boothId });
    } catch (err) {
      /* the socket closed: the server already dropped this viewer */
    }
  }

  function ended() {
    state.live = false;
    closePeer();
    setHand(false, false);
    show("off");
    ui.viewers.textContent = "";
    announce(S.ended);
  }

  function setHand(raised, send = true) {
    ui.hand.setAttribute("aria-pressed", raised ? "true" : "false");
    ui.hand.textContent = raised ? S.handUp : S.handDown;
    if (!send) return;
    socket
      .request("presentation.hand", { booth_id: boothId, raised })
      .then(() => announce(raised ? S.handRaised : S.handLowered))
      .catch((err) => (ui.error.textContent = errorText(err)));
  }

  ui.watch.addEventListener("click", watch);
  ui.stop.addEventListener("click", stop);
  ui.hand.addEventListener("click", () => setHand(ui.hand.getAttribute("aria-pressed") !== "true"));
  ui.audioOnly.addEventListener("change", () => {
    if (state.state === "watching" || state.state === "connecting") watch();
  });
  ui.form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = ui.question.value.trim();
    if (!text) return;
    try {
      await socket.request("presentation.question", { booth_id: boothId, text });
      ui.question.value = "";
      announce(S.questionSent);
    } catch (err) {
      ui.error.textContent = errorText(err);
    }
  });

  socket.on("presentation.started", (data) => {
    if (data.booth_id !== boothId) return;
    state.live = true;
    show(state.state);
    announce(S.started);
  });
  socket.on("presentation.ended", (data) => {
    if (data.booth_id === boothId) ended();
  });
  socket.on("presentation.viewers", (data) => {
    if (data.booth_id === boothId) ui.viewers.textContent = fmt(S.viewers, { n: data.viewers });
  });

  socket.whenOpen(async () => {
    const wasWatching = state.state === "watching";
    try {
      const now = await socket.request("presentation.follow", { booth_id: boothId });
      state.live = now.live;
      if (now.live) ui.viewers.textContent = fmt(S.viewers, { n: now.viewers });
      // After a reconnect the server has dropped this viewer: watch again.
      if (now.live && wasWatching) watch();
      else if (!now.live && wasWatching) ended();
      else show(state.state);
    } catch (err) {
      /* retried on the next open */
    }
  });
})();
