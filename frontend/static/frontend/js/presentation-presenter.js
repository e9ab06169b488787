// "Go live": the recruiter sends camera (or screen and microphone) to a relay process, which
// forwards it to every viewer. Viewers' questions and raised hands arrive as events.
"use strict";

(() => {
  const root = document.getElementById("presenter");
  if (!root) return;
  const S = JSON.parse(document.getElementById("presentation-strings").textContent);
  const socket = window.FairSocket.shared();
  const boothId = Number(root.dataset.boothId);
  const $ = (id) => document.getElementById(id);
  const ui = {
    goLive: $("presenter-go-live"),
    end: $("presenter-end"),
    error: $("presenter-error"),
    state: $("presenter-state"),
    viewers: $("presenter-viewers"),
    preview: $("presenter-preview"),
    sources: $("presenter-source-fields"),
    hands: $("presenter-hands"),
    handsEmpty: $("presenter-hands-empty"),
    questions: $("presenter-questions"),
    questionsEmpty: $("presenter-questions-empty"),
    announcer: $("presenter-announcer"),
  };
  const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, key) => String(values[key]));
  const errorText = (err) => S[err.code] || (err.name ? S.media : S.other);
  const state = (window.fairPresenter = { pc: null, stream: null, state: "off" });
  const hands = new Map();

  function show(name) {
    state.state = name;
    root.dataset.state = name;
    ui.goLive.hidden = name !== "off";
    ui.end.hidden = name === "off";
    ui.sources.disabled = name !== "off";
    ui.preview.hidden = name === "off";
  }

  function announce(text) {
    ui.announcer.textContent = text;
  }

  function stopMedia() {
    if (state.pc) state.pc.close();
    if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
    state.pc = null;
    state.stream = null;
    ui.preview.srcObject = null;
  }

  async function capture() {
    const screen = document.querySelector("input[name=source]:checked").value === "screen";
    if (!screen) return navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    try {
      const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      mic.getAudioTracks().forEach((t) => display.addTrack(t));
    } catch (err) {
      /* slides without a voice are still a presentation */
    }
    return display;
  }

  function gathered(pc, ms = 3000) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => pc.iceGatheringState === "complete" && resolve();
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, ms);
    });
  }

  async function goLive() {
    ui.error.textContent = "";
    show("starting");
    ui.state.textContent = S.starting;
    try {
      state.stream = await capture();
      ui.preview.srcObject = state.stream;
      const pc = new RTCPeerConnection({ iceServers: [] });
      state.pc = pc;
      for (const track of state.stream.getTracks()) {
        pc.addTransceiver(track, { direction: "sendonly", streams: [state.stream] });
      }
      // The relay forwards VP8 only (it never re-encodes): offer it first.
      for (const transceiver of pc.getTransceivers()) {
        const kind = transceiver.sender.track && transceiver.sender.track.kind;
        if (kind !== "video" || !RTCRtpSender.getCapabilities) continue;
        const codecs = RTCRtpSender.getCapabilities("video").codecs;
        const vp8 = codecs.filter((c) => /vp8|rtx/i.test(c.mimeType));
        if (vp8.length && transceiver.setCodecPreferences) transceiver.setCodecPreferences(vp8);
      }
      pc.addEventListener("connectionstatechange", () => {
        if (pc === state.pc && pc.connectionState === "failed") ended();
      });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const reply = await socket.request("presentation.publish", {
        booth_id: boothId,
        description: { type: "offer", sdp: pc.localDescription.sdp },
      });
      await pc.setRemoteDescription(reply.description);
      show("live");
      ui.state.textContent = S.live;
      announce(S.live);
    } catch (err) {
      stopMedia();
      show("off");
      ui.state.textContent = "";
      ui.error.textContent = errorText(err);
    }
  }

  function ended() {
    stopMedia();
    show("off");
    ui.state.textContent = S.ended;
    ui.viewers.textContent = "";
    hands.clear();
    renderHands();
    announce(S.ended);
  }

  async function end() {
    try {
      await socket.request("presentation.end", { booth_id: boothId });
    } catch (err) {
      /* not live any more: end here anyway */
    }
    ended();
  }

  function renderHands() {
    ui.hands.replaceChildren(
      ...[...hands.values()].map((name) => {
        const li = document.createElement("li");
        li.className = "list-group-item";
        li.textContent = name;
        return li;
      }),
    );
    ui.handsEmpty.hidden = hands.size > 0;
  }

  ui.goLive.addEventListener("click", goLive);
  ui.end.addEventListener("click", end);
  socket.on("presentation.viewers", (data) => {
    if (data.booth_id !== boothId) return;
    ui.viewers.textContent = fmt(S.viewers, { n: data.viewers, max: data.max_viewers });
  });
  socket.on("presentation.question", (data) => {
    if (data.booth_id !== boothId) return;
    const li = document.createElement("li");
    li.className = "list-group-item";
    li.textContent = fmt(S.question, { name: data.name, text: data.text });
    ui.questions.append(li);
    ui.questionsEmpty.hidden = true;
    announce(li.textContent);
  });
  socket.on("presentation.hand", (data) => {
    if (data.booth_id !== boothId) return;
    if (data.raised) {
      hands.set(data.user_id, data.name);
      announce(fmt(S.hand, { name: data.name }));
    } else hands.delete(data.user_id);
    renderHands();
  });
  socket.on("presentation.ended", (data) => {
    if (data.booth_id === boothId && state.state !== "off") ended();
  });
  socket.whenOpen(() => {
    // A reconnect: the server ended the presentation when this socket closed.
    if (state.state === "live") ended();
  });
  renderHands();
  show("off");
})();
