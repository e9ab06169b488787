// Interview room: camera preview, a mesh call of up to four people, chat, automatic recovery.
// Signalling is docs/protocol.md (interview.* and rtc.*); negotiation is the W3C "perfect
// negotiation" pattern, the polite peer of each pair being the one with the lower user id.
"use strict";

(() => {
  const root = document.getElementById("call");
  if (!root) return;

  const byId = (id) => document.getElementById(id);
  const SESSION_ID = Number(root.dataset.sessionId);
  const ME = Number(root.dataset.userId);
  const STRINGS = byId("call-strings").dataset;
  const VIDEO_SIZE = { width: { ideal: 640 }, height: { ideal: 480 } };
  const STATS_EVERY_MS = 2000;
  const NO_FRAMES_MS = 8000;
  const DISCONNECTED_GRACE_MS = 3000;
  const STUCK_OFFER_MS = 6000;
  const OFFER_WAIT_MS = 2500;
  const ICE_IDLE_MS = { impolite: 5000, polite: 10000 };
  const POLITE_RESTART_DELAY_MS = 1500;

  // Test hooks (tests/webrtc rely on these names and shapes): the RTCPeerConnection of each
  // remote participant by user id, and where the page is: preview, joining, in-call, left, ended.
  const call = { peers: new Map(), state: "preview", joinedOnce: false };
  window.fairCall = call;

  /** A translated string from #call-strings, with %(name)s-style placeholders filled in. */
  function t(key, values = {}) {
    let text = STRINGS[key] || "";
    for (const [name, value] of Object.entries(values)) {
      text = text.split(`%(${name})s`).join(String(value));
    }
    return text;
  }

  function warn(...args) {
    console.warn("[call]", ...args);
  }

  // Signalling trace in the browser console: localStorage.setItem("callDebug", "1").
  let debugOn = false;
  try {
    debugOn = window.localStorage.getItem("callDebug") === "1";
  } catch (err) {
    debugOn = false;
  }
  function debug(...args) {
    if (debugOn) console.debug("[call]", ...args);
  }

  const ui = {
    announcer: byId("call-announcer"),
    preview: byId("call-preview"),
    previewVideo: byId("preview-video"),
    previewPlaceholder: byId("preview-placeholder"),
    previewAlert: byId("preview-alert"),
    previewOptions: byId("preview-options"),
    retry: byId("preview-retry"),
    joinAudio: byId("join-audio-only"),
    joinChat: byId("join-chat-only"),
    cameraSelect: byId("camera-select"),
    micSelect: byId("mic-select"),
    join: byId("join-call"),
    room: byId("call-room"),
    roomTitle: byId("call-room-title"),
    waiting: byId("call-waiting"),
    notices: byId("call-notices"),
    grid: byId("call-grid"),
    localTile: byId("local-tile"),
    mic: byId("toggle-mic"),
    camera: byId("toggle-camera"),
    switchCamera: byId("switch-camera"),
    audioOnly: byId("toggle-audio-only"),
    hangUp: byId("hang-up"),
    end: byId("end-call"),
    left: byId("call-left"),
    movedNote: byId("call-moved-note"),
    rejoin: byId("rejoin-call"),
    ended: byId("call-ended"),
    chat: byId("call-chat"),
    chatLog: byId("chat-log"),
    chatEmpty: byId("chat-empty"),
    chatMessages: byId("chat-messages"),
    chatForm: byId("chat-form"),
    chatText: byId("chat-text"),
    chatError: byId("chat-error"),
  };
  const localVideo = ui.localTile.querySelector("video");

  const people = new Map(); // user id → {name, role, online, presence, media, mediaKnown}
  const peers = new Map(); // user id → our bookkeeping around that person's RTCPeerConnection
  const queues = new Map(); // user id → promise chain: their signalling, strictly in order
  const buffered = []; // events that arrive while our join request is on its way
  const seenMessages = new Set();
  const media = { muted: false, cameraOff: false, audioOnly: false, facing: "user", hadCamera: false };
  let localStream = new MediaStream();
  let mode = "full"; // what the person joins with: "full" (camera + mic), "audio", "chat"
  let iceServers = [];
  let cameraCount = 0;
  let myRole = "";
  let previewRun = 0;
  let joinInFlight = false;
  let socketWasOpen = false;

  const supportsWebRTC = typeof window.RTCPeerConnection === "function";
  const supportsMedia = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  const DEVICE = detectDevice();

  for (const seat of document.querySelectorAll("[data-participant-id]")) {
    if (Number(seat.dataset.participantId) === ME) myRole = seat.dataset.role;
  }

  function detectDevice() {
    const ua = navigator.userAgent || "";
    const hints = navigator.userAgentData;
    if (hints && hints.mobile) return "phone";
    const iPadOS = navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1;
    if (/iPad|Tablet|PlayBook|Silk/i.test(ua) || (/Android/i.test(ua) && !/Mobile/i.test(ua)) || iPadOS) {
      return "tablet";
    }
    if (/Mobi|iPhone|iPod|Android|Windows Phone/i.test(ua)) return "phone";
    if (/Windows NT|Macintosh|CrOS|X11|Linux x86_64/i.test(ua)) return "desktop";
    return "other";
  }

  // --- announcements (screen readers) and notices -------------------------------------------

  let announceQueue = [];
  let announceTimer = 0;
  function announce(text) {
    if (!text) return;
    announceQueue.push(text);
    ui.announcer.textContent = "";
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      ui.announcer.textContent = announceQueue.join(" ");
      announceQueue = [];
    }, 150);
  }

  function dismissNotice(id) {
    for (const box of ui.notices.querySelectorAll(".call-notice")) {
      if (box.dataset.notice === id) box.remove();
    }
  }

  /** A visible notice with buttons ([label, handler] pairs); its text is announced too. */
  function showNotice(id, text, actions = []) {
    dismissNotice(id);
    const box = document.createElement("div");
    box.className = "alert alert-warning call-notice";
    box.dataset.notice = id;
    const message = document.createElement("p");
    message.textContent = text;
    const buttons = document.createElement("div");
    buttons.className = "call-options";
    for (const [label, handler] of actions) {
      buttons.append(button(label, "btn btn-primary", () => { dismissNotice(id); handler(); }));
    }
    buttons.append(button(t("dismiss"), "btn btn-outline-primary", () => dismissNotice(id)));
    box.append(message, buttons);
    ui.notices.append(box);
    announce(text);
  }

  function button(label, className, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  function focusHeading(id) {
    const heading = byId(id);
    if (heading) heading.focus();
  }

  // --- page state ---------------------------------------------------------------------------

  function setState(state) {
    call.state = state;
    root.dataset.state = state;
    ui.preview.hidden = state !== "preview";
    ui.room.hidden = state !== "joining" && state !== "in-call";
    ui.left.hidden = state !== "left";
    ui.movedNote.hidden = true;
    ui.ended.hidden = state !== "ended";
    const transcript = (state === "left" || state === "ended") && seenMessages.size > 0;
    ui.chat.hidden = !(state === "in-call" || transcript);
    ui.chatForm.hidden = state !== "in-call";
    renderRoom();
    renderControls();
    renderLocalTile();
  }

  // --- local media --------------------------------------------------------------------------

  function localTrack(kind) {
    return localStream.getTracks().find((track) => track.kind === kind && track.readyState === "live") || null;
  }

  function stopLocalTracks() {
    for (const track of localStream.getTracks()) {
      track.stop();
      localStream.removeTrack(track);
    }
  }

  /** What we send of this kind: nothing of video in audio-only mode. */
  function outgoingTrack(kind) {
    if (kind === "video" && media.audioOnly) return null;
    return localTrack(kind);
  }

  function isMirrored() {
    return media.facing !== "environment";
  }

  function playVideo(video) {
    const playing = video.play();
    if (playing && playing.catch) {
      playing.catch((err) => {
        if (err && err.name === "NotAllowedError" && !video.muted) {
          showNotice("sound", t("soundBlocked"), [[t("soundOn"), playAllVideos]]);
        }
      });
    }
  }

  function playAllVideos() {
    for (const video of ui.grid.querySelectorAll("video")) playVideo(video);
  }

  function refreshLocalVideo() {
    // Never an empty stream: a media element waiting for data holds back the page's load event.
    const hasTracks = localStream.getTracks().length > 0;
    for (const video of [ui.previewVideo, localVideo]) {
      video.srcObject = null;
      if (hasTracks && (call.state === "preview" ? video === ui.previewVideo : video === localVideo)) {
        video.srcObject = localStream;
        video.classList.toggle("is-mirrored", isMirrored());
        playVideo(video);
      }
    }
  }

  function facingOf(track) {
    const settings = track && track.getSettings ? track.getSettings() : {};
    return settings.facingMode === "environment" ? "environment" : "user";
  }

  /** Open one more local track (the camera or the microphone) and add it to localStream. */
  async function openTrack(kind, constraints) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
      const track = stream.getTracks().find((each) => each.kind === kind);
      if (!track) return null;
      localStream.addTrack(track);
      return track;
    } catch (err) {
      warn("getUserMedia", kind, err && err.name);
      return null;
    }
  }

  async function openCamera(facing) {
    const track = await openTrack("video", { facingMode: facing, ...VIDEO_SIZE });
    if (track) {
      media.facing = facingOf(track) || facing;
      media.hadCamera = true;
      track.enabled = !media.cameraOff;
    }
    return track;
  }

  // --- preview ------------------------------------------------------------------------------

  function setPreviewProblem(key, options) {
    ui.previewAlert.textContent = "";
    if (key) {
      const box = document.createElement("div");
      box.className = "alert alert-warning";
      const text = document.createElement("p");
      text.className = "mb-0";
      text.textContent = t(key);
      box.append(text);
      ui.previewAlert.append(box);
    }
    const show = new Set(options || []);
    ui.retry.hidden = !show.has("retry");
    ui.joinAudio.hidden = !show.has("audio");
    ui.joinChat.hidden = !show.has("chat");
    ui.previewOptions.hidden = show.size === 0;
  }

  function showPreviewStream() {
    const hasVideo = !!localTrack("video");
    ui.previewPlaceholder.hidden = hasVideo;
    if (!hasVideo) {
      ui.previewPlaceholder.textContent = localTrack("audio") ? t("audioReady") : t("flagChatOnly");
    }
    refreshLocalVideo();
  }

  async function startPreview() {
    const run = ++previewRun;
    setPreviewProblem(null);
    ui.join.disabled = true;
    ui.previewPlaceholder.hidden = false;
    ui.previewPlaceholder.textContent = t("startingCamera");
    if (!supportsWebRTC || !supportsMedia) {
      mode = "chat";
      ui.previewPlaceholder.textContent = t("flagChatOnly");
      setPreviewProblem(supportsWebRTC ? "errUnsupported" : "errNoWebrtc", ["chat"]);
      ui.join.disabled = false;
      return;
    }
    stopLocalTracks();
    const cameraId = ui.cameraSelect.value;
    const micId = ui.micSelect.value;
    const video = cameraId
      ? { deviceId: { exact: cameraId }, ...VIDEO_SIZE }
      : { facingMode: "user", ...VIDEO_SIZE };
    const audio = micId ? { deviceId: { exact: micId } } : true;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio, video });
      if (run !== previewRun) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      localStream = stream;
      const camera = localTrack("video");
      media.facing = facingOf(camera);
      media.hadCamera = !!camera;
      mode = "full";
      showPreviewStream();
      ui.previewPlaceholder.hidden = true;
    } catch (err) {
      if (run !== previewRun) return;
      await previewFailed(err, Boolean(cameraId || micId), run);
      if (run !== previewRun) return;
    }
    await fillDeviceLists();
    if (run === previewRun) ui.join.disabled = false;
  }

  async function previewFailed(err, hadChoice, run) {
    const name = (err && err.name) || "";
    warn("preview getUserMedia failed:", name, err && err.message);
    if (name === "OverconstrainedError" && hadChoice) {
      // The chosen device is gone: go back to the browser's defaults.
      ui.cameraSelect.value = "";
      ui.micSelect.value = "";
      return startPreview();
    }
    // Whatever went wrong with the camera, the microphone alone may still work.
    const microphone = await openTrack("audio", ui.micSelect.value ? { deviceId: ui.micSelect.value } : true);
    if (run !== previewRun) {
      stopLocalTracks();
      return undefined;
    }
    mode = microphone ? "audio" : "chat";
    showPreviewStream();
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
      setPreviewProblem("errDenied", microphone ? ["retry", "audio", "chat"] : ["retry", "chat"]);
    } else if (["NotFoundError", "DevicesNotFoundError", "OverconstrainedError"].includes(name)) {
      if (microphone) setPreviewProblem("errNoCamera", ["audio", "chat"]);
      else setPreviewProblem("errNoDevices", ["chat"]);
    } else if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
      setPreviewProblem("errBusy", microphone ? ["retry", "audio", "chat"] : ["retry", "chat"]);
    } else if (name === "TypeError") {
      setPreviewProblem("errUnsupported", ["chat"]);
    } else {
      setPreviewProblem("errMedia", microphone ? ["retry", "audio", "chat"] : ["retry", "chat"]);
    }
    return undefined;
  }

  async function fillDeviceLists() {
    if (!supportsMedia || !navigator.mediaDevices.enumerateDevices) return;
    let devices = [];
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch (err) {
      warn("enumerateDevices", err);
      return;
    }
    const cameras = devices.filter((device) => device.kind === "videoinput");
    const microphones = devices.filter((device) => device.kind === "audioinput");
    cameraCount = cameras.filter((device) => device.deviceId).length;
    const inUse = (kind) => {
      const track = localTrack(kind);
      return track && track.getSettings ? track.getSettings().deviceId || "" : "";
    };
    fillSelect(ui.cameraSelect, cameras, inUse("video"), "cameraN", "noCameraOption");
    fillSelect(ui.micSelect, microphones, inUse("audio"), "micN", "noMicOption");
    renderControls();
  }

  function fillSelect(select, devices, current, numbered, none) {
    const previous = select.value;
    select.textContent = "";
    if (!devices.length) {
      select.append(new Option(t(none), ""));
      select.disabled = true;
      return;
    }
    devices.forEach((device, index) => {
      const option = new Option(device.label || t(numbered, { n: index + 1 }), device.deviceId);
      select.append(option);
    });
    const wanted = current || previous;
    if (wanted && devices.some((device) => device.deviceId === wanted)) select.value = wanted;
    select.disabled = call.state !== "preview";
  }

  // --- joining ------------------------------------------------------------------------------

  function socketOpen() {
    return socket.socket && socket.socket.readyState === WebSocket.OPEN;
  }

  function joinWith(chosen) {
    mode = chosen;
    if (mode === "chat") stopLocalTracks();
    if (mode === "audio") {
      for (const track of localStream.getVideoTracks()) {
        track.stop();
        localStream.removeTrack(track);
      }
    }
    for (const track of localStream.getAudioTracks()) track.enabled = !media.muted;
    for (const track of localStream.getVideoTracks()) track.enabled = !media.cameraOff;
    media.audioOnly = false;
    setState("joining");
    refreshLocalVideo();
    if (socketOpen()) sendJoin();
    // else the socket's whenOpen callback sends it as soon as it is connected
  }

  async function sendJoin() {
    if (joinInFlight) return;
    joinInFlight = true;
    let reply;
    try {
      reply = await socket.request("interview.join", { session_id: SESSION_ID, device: DEVICE });
    } catch (err) {
      joinInFlight = false;
      joinFailed(err);
      return;
    }
    joinInFlight = false;
    joined(reply);
  }

  function joinFailed(err) {
    const code = err && err.code;
    warn("join failed", code, err && err.message);
    if (call.state !== "joining" && call.state !== "in-call") return;
    if (!code || code === "socket.closed") return; // sent again when the socket is back
    if (code === "interview.closed") {
      endCall();
      return;
    }
    if (code === "server.error" || code === "protocol.rate_limited") {
      setTimeout(() => {
        if ((call.state === "joining" || call.state === "in-call") && socketOpen()) sendJoin();
      }, 3000);
      return;
    }
    const keys = { "interview.full": "joinFull", "interview.not_found": "joinNotFound" };
    const key = keys[code] || "joinFailed";
    teardown({ stopMedia: false });
    setState("preview");
    startPreview().then(() => setPreviewProblem(key, []));
  }

  function joined(reply) {
    if (call.state !== "joining" && call.state !== "in-call") {
      // Hung up while the join was on its way: leave again.
      if (socketOpen()) socket.request("interview.leave", { session_id: SESSION_ID }).catch(() => {});
      return;
    }
    const rejoin = call.state === "in-call";
    debug("joined", reply.participants, "buffered", buffered.length);
    iceServers = Array.isArray(reply.ice_servers) ? reply.ice_servers : [];
    for (const seat of reply.participants || []) {
      updatePerson(seat.user_id, {
        name: seat.name,
        role: seat.role,
        online: seat.online,
        presence: seat.online ? "joined" : "away",
      });
      if (seat.user_id === ME) myRole = seat.role;
    }
    ui.end.hidden = myRole !== "host";
    for (const message of reply.chat || []) addChatMessage(message);
    call.joinedOnce = true;
    setState("in-call");
    sendMediaState();
    for (const seat of reply.participants || []) {
      if (seat.user_id === ME) continue;
      const peer = peers.get(seat.user_id);
      if (!seat.online) {
        if (peer && !isConnected(peer)) removePeer(seat.user_id);
        continue;
      }
      // After a reconnect, keep the connections that still carry media; rebuild the others.
      if (peer && isConnected(peer)) continue;
      createPeer(seat.user_id);
    }
    if (!rejoin) {
      announce(t("inCall"));
      ui.roomTitle.focus();
    }
    for (const [name, data] of buffered.splice(0)) dispatch(name, data);
    renderRoom();
  }

  function teardown({ stopMedia }) {
    for (const userId of Array.from(peers.keys())) removePeer(userId);
    call.peers.clear();
    queues.clear();
    buffered.length = 0;
    for (const tile of ui.grid.querySelectorAll(".call-tile-remote")) tile.remove();
    ui.notices.textContent = "";
    if (stopMedia) stopLocalTracks();
    localVideo.srcObject = null;
  }

  function hangUp() {
    if (call.state !== "in-call" && call.state !== "joining") return;
    if (socketOpen()) socket.request("interview.leave", { session_id: SESSION_ID }).catch(() => {});
    teardown({ stopMedia: true });
    setState("left");
    announce(t("youLeft"));
    focusHeading("call-left-title");
  }

  /** The same person joined this call elsewhere (another tab, their phone): this page steps out. */
  function movedAway() {
    if (call.state !== "in-call" && call.state !== "joining") return;
    teardown({ stopMedia: true });
    setState("left");
    ui.movedNote.hidden = false;
    announce(t("moved"));
    focusHeading("call-left-title");
  }

  function endCall() {
    if (call.state === "ended") return;
    teardown({ stopMedia: true });
    setState("ended");
    announce(t("ended"));
    focusHeading("call-ended-title");
  }

  async function rejoin() {
    if (call.state !== "left") return;
    if (mode !== "chat" && supportsMedia) {
      stopLocalTracks();
      localStream = new MediaStream();
      media.audioOnly = false;
      const micId = ui.micSelect.value;
      const microphone = await openTrack("audio", micId ? { deviceId: micId } : true);
      const camera = mode === "full" ? await openCamera(media.facing) : null;
      if (!microphone && !camera) {
        setState("preview");
        startPreview();
        return;
      }
      mode = camera ? "full" : "audio";
    }
    joinWith(mode);
  }

  // --- people -------------------------------------------------------------------------------

  function updatePerson(userId, fields) {
    const person = people.get(userId) || {
      name: "",
      role: "",
      online: false,
      presence: "away",
      media: { muted: false, camera_off: false, audio_only: false },
      mediaKnown: false,
    };
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined && value !== "") person[key] = value;
    }
    people.set(userId, person);
    return person;
  }

  function nameOf(userId) {
    const person = people.get(userId);
    return (person && person.name) || `#${userId}`;
  }

  // --- events from the server ---------------------------------------------------------------

  function dispatch(name, data) {
    switch (name) {
      case "interview.presence":
        onPresence(data);
        break;
      case "interview.media":
        onMedia(data);
        break;
      case "interview.chat":
        addChatMessage(data);
        break;
      case "interview.moved":
        movedAway();
        break;
      case "interview.ended":
        if (call.state === "in-call" || call.state === "joining" || call.state === "left") endCall();
        break;
      case "rtc.description":
        if (data.sender !== ME) enqueue(data.sender, () => applyDescription(data.sender, data.description));
        break;
      case "rtc.candidate":
        if (data.sender !== ME) enqueue(data.sender, () => applyCandidate(data.sender, data.candidate));
        break;
      default:
        break;
    }
  }

  function onPresence(data) {
    debug("presence", data.user_id, data.state, "while", call.state);
    if (data.user_id === ME) return;
    const before = people.get(data.user_id);
    const wasOnline = !!(before && before.online);
    updatePerson(data.user_id, {
      name: data.name,
      role: data.role,
      online: data.state !== "left",
      presence: data.state,
    });
    if (call.state !== "in-call") return;
    if (data.state === "joined") {
      announce(t("joined", { name: data.name }));
      const peer = peers.get(data.user_id);
      if (peer && isConnected(peer)) {
        // Back after a socket reconnect, media still flowing: keep it. Had they reloaded, the
        // offer of their new page (another SDP session id) replaces it (applyDescription).
        renderTile(data.user_id);
      } else {
        // New, or back after a reload: what we had belongs to their old page (and offers sent
        // before they joined went nowhere), so start afresh; they offer first.
        createPeer(data.user_id, { waitForOffer: true });
      }
    } else if (data.state === "reconnecting") {
      announce(t("reconnectingName", { name: data.name }));
      if (peers.has(data.user_id)) renderTile(data.user_id);
    } else {
      if (wasOnline || peers.has(data.user_id)) announce(t("left", { name: data.name }));
      removePeer(data.user_id);
    }
    renderRoom();
  }

  function onMedia(data) {
    if (data.user_id === ME) return;
    const person = updatePerson(data.user_id, {});
    const old = person.media;
    const now = { muted: !!data.muted, camera_off: !!data.camera_off, audio_only: !!data.audio_only };
    person.media = now;
    if (person.mediaKnown && call.state === "in-call") {
      const name = nameOf(data.user_id);
      if (old.muted !== now.muted) announce(t(now.muted ? "otherMuted" : "otherUnmuted", { name }));
      if (old.audio_only !== now.audio_only) {
        announce(t(now.audio_only ? "otherAudioOnly" : "otherVideoBack", { name }));
      } else if (old.camera_off !== now.camera_off && !now.audio_only) {
        announce(t(now.camera_off ? "otherCameraOff" : "otherCameraOn", { name }));
      }
    }
    person.mediaKnown = true;
    const peer = peers.get(data.user_id);
    if (peer) peer.videoExpectedSince = 0;
    renderTile(data.user_id);
  }

  // --- peer connections ---------------------------------------------------------------------

  function enqueue(userId, task) {
    const previous = queues.get(userId) || Promise.resolve();
    const next = previous.then(task).catch((err) => warn("signalling", userId, err));
    queues.set(userId, next);
  }

  function isConnected(peer) {
    return peer.pc.connectionState === "connected";
  }

  function signal(type, data, attempt = 0) {
    if (!socketOpen()) return;
    socket.request(type, data).catch((err) => {
      if (err && err.code === "protocol.rate_limited" && attempt < 3) {
        setTimeout(() => signal(type, data, attempt + 1), 300 * (attempt + 1));
      } else if (err && err.code === "interview.closed") {
        endCall();
      } else if (err && err.code !== "socket.closed") {
        warn(type, err.code, err.message);
      }
    });
  }

  function sendDescription(peer) {
    const description = peer.pc.localDescription;
    if (!description) return;
    if (description.type === "offer") peer.offerSentAt = Date.now();
    debug(description.type, "to", peer.userId);
    signal("rtc.description", {
      session_id: SESSION_ID,
      to: peer.userId,
      description: { type: description.type, sdp: description.sdp },
    });
  }

  /** The session id of the o= line: it names the RTCPeerConnection that wrote the SDP. */
  function sdpSessionId(sdp) {
    const origin = /^o=\S+ (\S+) /m.exec(sdp || "");
    return origin ? origin[1] : null;
  }

  /**
   * A new RTCPeerConnection to this person, replacing any we had. `waitForOffer`: they have just
   * joined and are about to offer to us (their join reply lists us), so hold our own offer back
   * for a moment: fewer offer collisions, and a collision while our offer is still being made is
   * the one case where Chromium's implicit rollback can leave the connection without candidates.
   */
  function createPeer(userId, { waitForOffer = false } = {}) {
    debug("new connection to", userId, waitForOffer ? "(waiting for their offer)" : "");
    removePeer(userId, { keepTile: true });
    const pc = new RTCPeerConnection({ iceServers });
    const peer = {
      userId,
      pc,
      polite: ME < userId,
      makingOffer: false,
      ignoreOffer: false,
      isSettingRemoteAnswerPending: false,
      pendingCandidates: [],
      remoteSessionId: null,
      createdAt: Date.now(),
      stream: new MediaStream(),
      renderedTracks: "",
      failures: 0,
      disconnectedTimer: 0,
      offerSentAt: 0,
      offerTimer: 0,
      restartTimer: 0,
      remoteOffers: 0,
      waitForOfferUntil: waitForOffer ? Date.now() + OFFER_WAIT_MS : 0,
      iceIdleSince: 0,
      connectedAt: 0,
      framesDecoded: 0,
      framesProgressAt: 0,
      videoExpectedSince: 0,
      counters: null,
      noticed: new Set(),
    };
    peers.set(userId, peer);
    call.peers.set(userId, pc);
    const current = () => peers.get(userId) === peer;

    pc.addEventListener("track", ({ track }) => {
      if (!current()) return;
      for (const old of peer.stream.getTracks()) {
        if (old.kind === track.kind && old !== track) peer.stream.removeTrack(old);
      }
      if (!peer.stream.getTracks().includes(track)) peer.stream.addTrack(track);
      track.addEventListener("unmute", () => current() && attachRemoteMedia(peer));
      attachRemoteMedia(peer);
    });
    pc.addEventListener("negotiationneeded", () => {
      if (!current()) return;
      const wait = peer.waitForOfferUntil - Date.now();
      if (wait > 0 && !pc.remoteDescription) {
        clearTimeout(peer.offerTimer);
        peer.offerTimer = setTimeout(() => offerIfStillNeeded(peer), wait);
        return;
      }
      makeOffer(peer);
    });
    pc.addEventListener("icecandidate", ({ candidate }) => {
      // The end-of-candidates marker (null or an empty line) is not sent.
      if (!current() || !candidate || !candidate.candidate) return;
      signal("rtc.candidate", {
        session_id: SESSION_ID,
        to: userId,
        candidate: {
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid,
          sdpMLineIndex: candidate.sdpMLineIndex,
          usernameFragment: candidate.usernameFragment,
        },
      });
    });
    pc.addEventListener("iceconnectionstatechange", () => current() && onIceState(peer));
    pc.addEventListener("connectionstatechange", () => current() && onConnectionState(peer));

    // Send what we have; with neither camera nor microphone, ask to receive, so that this side
    // can still start the negotiation (an offer needs at least one media section).
    const audio = outgoingTrack("audio");
    const video = outgoingTrack("video");
    if (audio) pc.addTrack(audio, localStream);
    if (video) pc.addTrack(video, localStream);
    if (!audio && !video) {
      pc.addTransceiver("audio", { direction: "recvonly" });
      pc.addTransceiver("video", { direction: "recvonly" });
    }
    ensureTile(userId);
    renderTile(userId);
    renderRoom();
    return peer;
  }

  async function makeOffer(peer) {
    const pc = peer.pc;
    if (peers.get(peer.userId) !== peer || pc.signalingState !== "stable") return;
    try {
      peer.makingOffer = true;
      await pc.setLocalDescription();
      if (peers.get(peer.userId) === peer) sendDescription(peer);
    } catch (err) {
      warn("offer to", peer.userId, err);
    } finally {
      peer.makingOffer = false;
    }
  }

  /** After holding our offer back: offer if their offer did not come, or left something out. */
  function offerIfStillNeeded(peer) {
    peer.waitForOfferUntil = 0;
    const pc = peer.pc;
    if (peers.get(peer.userId) !== peer || pc.signalingState !== "stable" || peer.makingOffer) return;
    const unsent = pc
      .getTransceivers()
      .some(
        (each) =>
          each.sender.track &&
          (each.mid === null || !["sendrecv", "sendonly"].includes(each.currentDirection || "")),
      );
    if (!pc.remoteDescription || unsent) makeOffer(peer);
  }

  function removePeer(userId, { keepTile = false } = {}) {
    const peer = peers.get(userId);
    if (peer) {
      clearTimeout(peer.disconnectedTimer);
      clearTimeout(peer.offerTimer);
      clearTimeout(peer.restartTimer);
      peers.delete(userId);
      peer.pc.close();
    }
    call.peers.delete(userId);
    dismissNotice(`video-${userId}`);
    dismissNotice(`chat-${userId}`);
    if (!keepTile) {
      const tile = tileOf(userId);
      if (tile) tile.remove();
      renderRoom();
    }
  }

  async function applyDescription(userId, description, retried = false) {
    if (call.state !== "in-call" || !description) return;
    let peer = peers.get(userId);
    const sessionId = sdpSessionId(description.sdp);
    if (!peer) {
      if (description.type !== "offer") return; // an answer for a connection we have closed
      peer = createPeer(userId);
    } else if (description.type === "offer" && peer.remoteSessionId && sessionId !== peer.remoteSessionId) {
      // The offer comes from a new RTCPeerConnection of theirs (a reload, a rebuild after a
      // reconnect): ours belongs to the old one, so start afresh.
      peer = createPeer(userId);
    }
    const pc = peer.pc;
    const readyForOffer =
      !peer.makingOffer && (pc.signalingState === "stable" || peer.isSettingRemoteAnswerPending);
    const offerCollision = description.type === "offer" && !readyForOffer;
    peer.ignoreOffer = !peer.polite && offerCollision;
    debug(description.type, "from", userId, pc.signalingState, { collision: offerCollision, ignored: peer.ignoreOffer });
    if (peer.ignoreOffer) return;
    if (description.type === "answer") peer.offerSentAt = 0; // answered, however long it takes
    try {
      peer.isSettingRemoteAnswerPending = description.type === "answer";
      await pc.setRemoteDescription(description); // on glare, the polite side rolls back here
      peer.isSettingRemoteAnswerPending = false;
      peer.remoteSessionId = sessionId;
      if (description.type === "offer") {
        peer.remoteOffers += 1;
        await pc.setLocalDescription();
        if (peers.get(userId) === peer) sendDescription(peer);
      }
    } catch (err) {
      peer.isSettingRemoteAnswerPending = false;
      if (peers.get(userId) !== peer || call.state !== "in-call") return;
      // A late answer to an offer we have rolled back: nothing to do.
      if (description.type === "answer" && pc.signalingState === "stable") return;
      warn("description from", userId, err);
      if (retried) return;
      // Out of step: a fresh connection (its offer, or our answer to theirs) puts it right.
      createPeer(userId);
      if (description.type === "offer") await applyDescription(userId, description, true);
      return;
    }
    await flushCandidates(peer);
  }

  async function addCandidate(peer, candidate) {
    try {
      await peer.pc.addIceCandidate(candidate);
    } catch (err) {
      if (!peer.ignoreOffer) warn("candidate from", peer.userId, err && err.message);
    }
  }

  async function applyCandidate(userId, candidate) {
    const peer = peers.get(userId);
    if (!peer || call.state !== "in-call" || !candidate || !candidate.candidate) return;
    if (!peer.pc.remoteDescription) {
      peer.pendingCandidates.push(candidate); // before their description: keep for later
      return;
    }
    await addCandidate(peer, candidate);
  }

  async function flushCandidates(peer) {
    while (peer.pendingCandidates.length && peers.get(peer.userId) === peer) {
      await addCandidate(peer, peer.pendingCandidates.shift());
    }
  }

  /**
   * ICE restart. The impolite side restarts at once; the polite side waits a moment and restarts
   * only if no restart came from the other side meanwhile: two restart offers colliding make the
   * polite side roll its own back, after which Chromium stops rendering the incoming video.
   */
  function restartIce(peer) {
    const person = people.get(peer.userId);
    // Their socket is down: an offer would go nowhere. Their join brings a new connection.
    if (person && person.presence === "reconnecting") return;
    if (peer.pc.signalingState === "closed") return;
    if (!peer.polite) {
      debug("ICE restart with", peer.userId);
      peer.pc.restartIce();
      return;
    }
    if (peer.restartTimer) return;
    const offersBefore = peer.remoteOffers;
    peer.restartTimer = setTimeout(() => {
      peer.restartTimer = 0;
      if (peers.get(peer.userId) !== peer || peer.pc.signalingState === "closed") return;
      const state = peer.pc.iceConnectionState;
      if (peer.remoteOffers !== offersBefore && ["checking", "connected", "completed"].includes(state)) return;
      debug("ICE restart with", peer.userId);
      peer.pc.restartIce();
    }, POLITE_RESTART_DELAY_MS);
  }

  function onIceState(peer) {
    const state = peer.pc.iceConnectionState;
    debug("ice", peer.userId, state);
    clearTimeout(peer.disconnectedTimer);
    if (state === "failed") {
      peer.failures += 1;
      if (peer.failures >= 2 && !peer.noticed.has("chat")) {
        peer.noticed.add("chat");
        showNotice(`chat-${peer.userId}`, t("noConnection", { name: nameOf(peer.userId) }), [
          [t("continueChat"), focusChat],
        ]);
      }
      restartIce(peer);
    } else if (state === "disconnected") {
      peer.disconnectedTimer = setTimeout(() => {
        if (peers.get(peer.userId) === peer && peer.pc.iceConnectionState === "disconnected") restartIce(peer);
      }, DISCONNECTED_GRACE_MS);
    } else if (state === "connected" || state === "completed") {
      peer.failures = 0;
      peer.noticed.delete("chat");
      dismissNotice(`chat-${peer.userId}`);
    }
    renderTile(peer.userId);
  }

  function onConnectionState(peer) {
    const state = peer.pc.connectionState;
    if (state === "connected" && !peer.connectedAt) peer.connectedAt = Date.now();
    if (state === "failed" && peer.pc.iceConnectionState !== "failed" && Date.now() - peer.createdAt > 10000) {
      createPeer(peer.userId); // DTLS failed over a working path: only a new connection helps
      return;
    }
    renderTile(peer.userId);
  }

  /** Make every connection send what we now have of this kind (camera switched, audio only…). */
  async function updateSenders(kind) {
    const jobs = Array.from(peers.values()).map(async (peer) => {
      const pc = peer.pc;
      if (pc.signalingState === "closed") return;
      const track = outgoingTrack(kind);
      const transceivers = pc
        .getTransceivers()
        .filter((each) => each.receiver.track.kind === kind)
        .filter((each) => each.direction !== "stopped" && each.currentDirection !== "stopped");
      const transceiver =
        transceivers.find((each) => each.sender.track) ||
        transceivers.find((each) => each.mid !== null) ||
        transceivers[0];
      if (!transceiver) {
        if (track) pc.addTrack(track, localStream);
        return;
      }
      if (track && transceiver.direction === "recvonly") transceiver.direction = "sendrecv";
      if (track && transceiver.direction === "inactive") transceiver.direction = "sendonly";
      if (transceiver.sender.track !== track) await transceiver.sender.replaceTrack(track);
    });
    const results = await Promise.allSettled(jobs);
    for (const result of results) if (result.status === "rejected") warn("sender", kind, result.reason);
  }

  // --- tiles --------------------------------------------------------------------------------

  function tileOf(userId) {
    return ui.grid.querySelector(`.call-tile-remote[data-user-id="${Number(userId)}"]`);
  }

  function ensureTile(userId) {
    let tile = tileOf(userId);
    if (tile) return tile;
    tile = document.createElement("li");
    tile.className = "call-tile call-tile-remote";
    tile.dataset.userId = String(userId);
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute("playsinline", "");
    const placeholder = document.createElement("p");
    placeholder.className = "call-tile-placeholder";
    placeholder.hidden = true;
    const status = document.createElement("p");
    status.className = "call-tile-status";
    status.hidden = true;
    const quality = document.createElement("span");
    quality.className = "call-quality";
    quality.hidden = true;
    const caption = document.createElement("div");
    caption.className = "call-tile-caption";
    const name = document.createElement("span");
    name.className = "call-tile-name";
    const flags = document.createElement("span");
    flags.className = "call-tile-flags";
    caption.append(name, flags);
    tile.append(video, placeholder, status, quality, caption);
    ui.grid.append(tile);
    return tile;
  }

  function attachRemoteMedia(peer) {
    const tile = tileOf(peer.userId);
    if (!tile) return;
    const video = tile.querySelector("video");
    // Audio only: play their sound, but do not render (or decode) their video.
    const tracks = media.audioOnly ? peer.stream.getAudioTracks() : peer.stream.getTracks();
    const key = tracks.map((track) => track.id).join(",");
    if (!tracks.length) {
      peer.renderedTracks = "";
      video.srcObject = null;
    } else if (peer.renderedTracks !== key || !video.srcObject) {
      peer.renderedTracks = key;
      video.srcObject = media.audioOnly ? new MediaStream(tracks) : peer.stream;
    }
    if (video.srcObject) playVideo(video);
    renderTile(peer.userId);
  }

  function mediaFlags(state, chatOnly) {
    const flags = [];
    if (chatOnly) return [t("flagChatOnly")];
    if (state.muted) flags.push(t("flagMuted"));
    if (state.audio_only) flags.push(t("flagAudioOnly"));
    else if (state.camera_off) flags.push(t("flagCameraOff"));
    return flags;
  }

  function renderTile(userId) {
    const tile = tileOf(userId);
    if (!tile) return;
    const person = people.get(userId) || updatePerson(userId, {});
    const peer = peers.get(userId);
    const name = nameOf(userId);
    const video = tile.querySelector("video");
    video.setAttribute("aria-label", t("videoOf", { name }));
    tile.querySelector(".call-tile-name").textContent = name;
    tile.querySelector(".call-tile-flags").textContent = mediaFlags(person.media, false).join(" · ");
    const hasVideo = !!peer && peer.stream.getVideoTracks().length > 0;
    const showVideo = hasVideo && !media.audioOnly && !person.media.audio_only && !person.media.camera_off;
    tile.classList.toggle("is-video-off", !showVideo);
    const placeholder = tile.querySelector(".call-tile-placeholder");
    placeholder.hidden = showVideo;
    placeholder.textContent = name;
    let status = "";
    if (person.presence === "reconnecting") status = t("reconnecting");
    else if (peer) {
      const state = peer.pc.connectionState;
      if (state === "new" || state === "connecting") status = t("connecting");
      else if (state === "disconnected" || state === "failed") status = t("reconnecting");
    }
    const statusElement = tile.querySelector(".call-tile-status");
    statusElement.textContent = status;
    statusElement.hidden = !status;
    if (!peer || !isConnected(peer)) setQuality(userId, null);
  }

  function renderLocalTile() {
    const camera = localTrack("video");
    const chatOnly = !camera && !localTrack("audio");
    const showVideo = !!camera && !media.cameraOff && !media.audioOnly;
    ui.localTile.classList.toggle("is-video-off", !showVideo);
    localVideo.classList.toggle("is-mirrored", isMirrored());
    const placeholder = ui.localTile.querySelector(".call-tile-placeholder");
    placeholder.hidden = showVideo;
    placeholder.textContent = t("you");
    const state = {
      muted: media.muted || !localTrack("audio"),
      camera_off: !showVideo,
      audio_only: media.audioOnly,
    };
    ui.localTile.querySelector(".call-tile-flags").textContent = mediaFlags(state, chatOnly).join(" · ");
  }

  function renderRoom() {
    const remotes = ui.grid.querySelectorAll(".call-tile-remote").length;
    ui.grid.dataset.remotes = String(remotes);
    if (call.state === "joining") {
      ui.waiting.textContent = t("joining");
      ui.waiting.hidden = false;
    } else {
      ui.waiting.textContent = t("waiting");
      ui.waiting.hidden = remotes > 0;
    }
  }

  function renderControls() {
    const microphone = localTrack("audio");
    const camera = localTrack("video");
    ui.mic.textContent = !microphone || media.muted ? t("unmute") : t("mute");
    ui.camera.textContent = camera && !media.cameraOff ? t("stopVideo") : t("startVideo");
    ui.camera.disabled = media.audioOnly;
    ui.audioOnly.textContent = media.audioOnly ? t("showVideo") : t("audioOnly");
    ui.switchCamera.hidden = cameraCount < 2 || !camera || media.audioOnly;
    ui.end.hidden = myRole !== "host";
  }

  function setQuality(userId, quality) {
    const tile = tileOf(userId);
    if (!tile) return;
    const element = tile.querySelector(".call-quality");
    element.hidden = !quality;
    if (!quality) {
      delete element.dataset.quality;
      return;
    }
    element.dataset.quality = quality;
    const keys = { good: "qualityGood", weak: "qualityWeak", poor: "qualityPoor" };
    element.textContent = t(keys[quality]);
  }

  // --- media controls -----------------------------------------------------------------------

  function mediaState() {
    return {
      muted: media.muted || !localTrack("audio"),
      camera_off: media.cameraOff || !localTrack("video"),
      audio_only: media.audioOnly,
    };
  }

  function sendMediaState() {
    if (call.state !== "in-call") return;
    signal("interview.media", { session_id: SESSION_ID, ...mediaState() });
  }

  function afterMediaChange(key) {
    renderControls();
    renderLocalTile();
    sendMediaState();
    announce(t(key));
  }

  let busy = false;
  async function exclusive(task) {
    if (busy) return;
    busy = true;
    try {
      await task();
    } catch (err) {
      warn("media control", err);
    } finally {
      busy = false;
    }
  }

  function toggleMicrophone() {
    return exclusive(async () => {
      let microphone = localTrack("audio");
      if (!microphone) {
        // Joined without one: try to start it now.
        microphone = supportsMedia ? await openTrack("audio", true) : null;
        if (!microphone) {
          announce(t("micFailed"));
          return;
        }
        media.muted = false;
        await updateSenders("audio");
      } else {
        media.muted = !media.muted;
      }
      microphone.enabled = !media.muted;
      afterMediaChange(media.muted ? "youMuted" : "youUnmuted");
    });
  }

  function toggleCamera() {
    return exclusive(async () => {
      if (media.audioOnly) return;
      let camera = localTrack("video");
      if (!camera) {
        media.cameraOff = false;
        camera = supportsMedia ? await openCamera(media.facing) : null;
        if (!camera) {
          media.cameraOff = true;
          announce(t("cameraFailed"));
          return;
        }
        await updateSenders("video");
        refreshLocalVideo();
        fillDeviceLists();
      } else {
        media.cameraOff = !media.cameraOff;
        camera.enabled = !media.cameraOff;
      }
      afterMediaChange(media.cameraOff ? "youCameraOff" : "youCameraOn");
    });
  }

  function switchCamera() {
    return exclusive(async () => {
      const old = localTrack("video");
      if (!old || media.audioOnly) return;
      const oldFacing = media.facing;
      const oldDevice = old.getSettings ? old.getSettings().deviceId : "";
      const wanted = oldFacing === "user" ? "environment" : "user";
      // Phones cannot open two cameras at once: stop the one in use first.
      old.stop();
      localStream.removeTrack(old);
      let camera = await openTrack("video", { facingMode: { exact: wanted }, ...VIDEO_SIZE });
      let switched = !!camera;
      if (!camera) {
        // No facing information (a computer with two webcams): take the next camera instead.
        const devices = (await navigator.mediaDevices.enumerateDevices()).filter(
          (device) => device.kind === "videoinput" && device.deviceId && device.deviceId !== oldDevice,
        );
        if (devices.length) {
          camera = await openTrack("video", { deviceId: { exact: devices[0].deviceId }, ...VIDEO_SIZE });
        }
        switched = !!camera;
      }
      if (!camera) {
        const previous = oldDevice ? { deviceId: oldDevice } : { facingMode: oldFacing };
        camera = await openTrack("video", { ...previous, ...VIDEO_SIZE });
      }
      if (camera) {
        camera.enabled = !media.cameraOff;
        media.facing = switched ? (camera.getSettings().facingMode ? facingOf(camera) : wanted) : oldFacing;
      }
      await updateSenders("video");
      refreshLocalVideo();
      renderLocalTile();
      if (!camera) {
        afterMediaChange("cameraFailed");
      } else {
        const facingKnown = !!camera.getSettings().facingMode;
        if (!switched) announce(t("noOtherCamera"));
        else if (facingKnown) announce(t(media.facing === "environment" ? "backCamera" : "frontCamera"));
        else announce(t("usingCamera", { name: camera.label || t("cameraN", { n: 2 }) }));
      }
    });
  }

  function setAudioOnly(on) {
    return exclusive(async () => {
      if (on === media.audioOnly) return;
      media.audioOnly = on;
      if (on) {
        await updateSenders("video"); // replaceTrack(null): no video goes out
        const camera = localTrack("video");
        media.hadCamera = !!camera;
        if (camera) {
          camera.stop(); // the camera light goes off and the battery lasts longer
          localStream.removeTrack(camera);
        }
      } else {
        if (media.hadCamera && !localTrack("video")) {
          const camera = await openCamera(media.facing);
          if (!camera) announce(t("cameraFailed"));
        }
        await updateSenders("video");
      }
      for (const peer of peers.values()) attachRemoteMedia(peer);
      refreshLocalVideo();
      afterMediaChange(on ? "youAudioOnly" : "youVideoBack");
    });
  }

  function endForEveryone() {
    if (call.state !== "in-call" || !window.confirm(t("endConfirm"))) return;
    socket.request("interview.end", { session_id: SESSION_ID }).then(
      () => endCall(),
      (err) => {
        if (err && err.code === "interview.closed") endCall();
        else showNotice("end", err && err.code === "permission.denied" ? t("endDenied") : t("endFailed"));
      },
    );
  }

  function focusChat() {
    ui.chat.scrollIntoView({ block: "start" });
    ui.chatText.focus();
  }

  // --- chat ---------------------------------------------------------------------------------

  function formatTime(iso) {
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return "";
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23", // 24-hour, as the times the server writes
      }).format(when);
    } catch (err) {
      return when.toLocaleTimeString();
    }
  }

  function addChatMessage(message) {
    if (!message || typeof message.message_id !== "number" || seenMessages.has(message.message_id)) return;
    seenMessages.add(message.message_id);
    const item = document.createElement("li");
    item.className = "chat-message";
    if (message.user_id === ME) item.classList.add("is-mine");
    item.dataset.messageId = String(message.message_id);
    const meta = document.createElement("p");
    meta.className = "chat-meta";
    const author = document.createElement("span");
    author.className = "chat-author";
    author.textContent = message.user_id === ME ? t("you") : message.name;
    const time = document.createElement("time");
    time.dateTime = message.sent_at;
    time.textContent = formatTime(message.sent_at);
    meta.append(author, " ", time);
    const text = document.createElement("p");
    text.className = "chat-text";
    text.textContent = message.text;
    item.append(meta, text);
    // In message order, even when a rejoin fills in what was missed.
    const later = Array.from(ui.chatMessages.children).find(
      (each) => Number(each.dataset.messageId) > message.message_id,
    );
    ui.chatMessages.insertBefore(item, later || null);
    ui.chatEmpty.hidden = true;
    ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
  }

  const CHAT_ERRORS = {
    "interview.closed": "chatClosed",
    "interview.not_joined": "chatNotJoined",
    "interview.not_found": "chatNotJoined",
    "protocol.rate_limited": "chatRateLimited",
    "protocol.invalid": "chatInvalid",
    "protocol.too_large": "chatInvalid",
    "socket.closed": "chatNetwork",
  };

  function showChatError(key, code) {
    ui.chatError.textContent = key ? t(key) : "";
    ui.chatError.classList.toggle("is-shown", !!key);
    if (code) ui.chatError.dataset.code = code;
    else delete ui.chatError.dataset.code;
    if (key) ui.chatText.setAttribute("aria-invalid", "true");
    else ui.chatText.removeAttribute("aria-invalid");
  }

  let sending = false;
  async function sendChat(event) {
    event.preventDefault();
    if (sending || call.state !== "in-call") return;
    const text = ui.chatText.value.trim();
    if (!text) {
      showChatError("chatEmpty");
      ui.chatText.focus();
      return;
    }
    sending = true;
    ui.chatForm.setAttribute("aria-busy", "true");
    try {
      await socket.request("interview.chat", { session_id: SESSION_ID, text });
      ui.chatText.value = "";
      showChatError(null);
    } catch (err) {
      const code = (err && err.code) || "socket.closed";
      showChatError(CHAT_ERRORS[code] || "chatFailed", code);
    } finally {
      sending = false;
      ui.chatForm.removeAttribute("aria-busy");
    }
  }

  // --- connection quality and fallbacks (every 2 s) -----------------------------------------

  function receivesVideo(pc) {
    return pc
      .getTransceivers()
      .some(
        (each) =>
          each.receiver.track.kind === "video" &&
          (each.currentDirection === "sendrecv" || each.currentDirection === "recvonly"),
      );
  }

  function assess(peer, report, now) {
    let lost = 0;
    let received = 0;
    let jitter = 0;
    let fps = null;
    let frames = 0;
    let pairId = null;
    const byStatId = new Map();
    report.forEach((stat) => {
      byStatId.set(stat.id, stat);
      if (stat.type === "inbound-rtp") {
        lost += Math.max(0, stat.packetsLost || 0);
        received += stat.packetsReceived || 0;
        if (typeof stat.jitter === "number") jitter = Math.max(jitter, stat.jitter);
        if (stat.kind === "video") {
          frames += stat.framesDecoded || 0;
          if (typeof stat.framesPerSecond === "number") fps = Math.max(fps || 0, stat.framesPerSecond);
        }
      } else if (stat.type === "transport" && stat.selectedCandidatePairId) {
        pairId = stat.selectedCandidatePairId;
      }
    });
    let pair = pairId ? byStatId.get(pairId) : null;
    if (!pair) {
      pair = Array.from(byStatId.values()).find(
        (stat) => stat.type === "candidate-pair" && stat.nominated && stat.state === "succeeded",
      );
    }
    const rtt = pair && typeof pair.currentRoundTripTime === "number" ? pair.currentRoundTripTime : null;
    const previous = peer.counters;
    peer.counters = { lost, received };
    const newlyLost = previous ? Math.max(0, lost - previous.lost) : 0;
    const newlyReceived = previous ? Math.max(0, received - previous.received) : 0;
    const lossRatio = newlyLost + newlyReceived > 0 ? newlyLost / (newlyLost + newlyReceived) : 0;

    const connected = isConnected(peer);
    const person = people.get(peer.userId) || updatePerson(peer.userId, {});
    const theySendVideo = !person.media.audio_only && !person.media.camera_off;
    const expectVideo = connected && !media.audioOnly && theySendVideo && receivesVideo(peer.pc);
    if (connected && !peer.connectedAt) peer.connectedAt = now;

    if (connected) {
      let level = 0; // 0 good, 1 weak, 2 poor
      const worse = (value) => {
        level = Math.max(level, value);
      };
      if (lossRatio > 0.1) worse(2);
      else if (lossRatio > 0.03) worse(1);
      if (rtt !== null && rtt > 0.6) worse(2);
      else if (rtt !== null && rtt > 0.3) worse(1);
      if (jitter > 0.1) worse(2);
      else if (jitter > 0.05) worse(1);
      // Few frames a second may be a busy phone rather than the network: "weak" at most.
      if (expectVideo && fps !== null && now - peer.connectedAt > 4000 && fps < 10) worse(1);
      if (previous && received > 0 && newlyReceived === 0) worse(2); // nothing arrives any more
      setQuality(peer.userId, ["good", "weak", "poor"][level]);
    } else {
      setQuality(peer.userId, null);
    }

    // No video frames for 8 s although they send video: offer audio only.
    if (frames > peer.framesDecoded) {
      peer.framesDecoded = frames;
      peer.framesProgressAt = now;
      if (peer.noticed.has("video")) {
        peer.noticed.delete("video");
        dismissNotice(`video-${peer.userId}`);
      }
    }
    if (!expectVideo) {
      peer.videoExpectedSince = 0;
      return;
    }
    if (!peer.videoExpectedSince) peer.videoExpectedSince = now;
    const since = Math.max(peer.connectedAt, peer.videoExpectedSince, peer.framesProgressAt);
    if (now - since >= NO_FRAMES_MS && !peer.noticed.has("video")) {
      peer.noticed.add("video");
      showNotice(`video-${peer.userId}`, t("noVideo", { name: nameOf(peer.userId) }), [
        [t("switchAudioOnly"), () => setAudioOnly(true)],
      ]);
    }
  }

  function watchdog(peer, now) {
    // An offer nobody answered (sent before they had joined, or while a socket was down; the
    // relay does not keep messages): withdraw it and offer again.
    const person = people.get(peer.userId);
    if (
      peer.pc.signalingState === "have-local-offer" &&
      peer.offerSentAt &&
      now - peer.offerSentAt > STUCK_OFFER_MS &&
      !(person && person.presence === "reconnecting")
    ) {
      peer.offerSentAt = 0;
      debug("offer to", peer.userId, "unanswered: starting over");
      // A new connection makes a new offer (another SDP session: the other side starts afresh
      // too). Rolling back instead is what the pattern allows, but a rolled-back ICE restart
      // leaves Chromium's incoming video frozen.
      createPeer(peer.userId);
      return;
    }
    // Negotiated, yet ICE never started checking: no candidates on one side (a lost message,
    // or a transport broken by a rollback). The impolite side starts over first.
    const pc = peer.pc;
    const idle = pc.signalingState === "stable" && pc.remoteDescription && pc.iceConnectionState === "new";
    if (!idle) {
      peer.iceIdleSince = 0;
      return;
    }
    if (!peer.iceIdleSince) peer.iceIdleSince = now;
    if (now - peer.iceIdleSince > (peer.polite ? ICE_IDLE_MS.polite : ICE_IDLE_MS.impolite)) {
      debug("no ICE with", peer.userId, ": starting over");
      createPeer(peer.userId);
    }
  }

  async function tick() {
    if (call.state !== "in-call") return;
    const now = Date.now();
    for (const peer of Array.from(peers.values())) {
      if (peers.get(peer.userId) !== peer) continue;
      watchdog(peer, now);
      let report;
      try {
        report = await peer.pc.getStats();
      } catch (err) {
        continue;
      }
      if (peers.get(peer.userId) === peer) assess(peer, report, now);
    }
  }

  // --- wiring -------------------------------------------------------------------------------

  const socket = window.FairSocket.shared();
  const EVENTS = [
    "interview.presence",
    "interview.media",
    "interview.chat",
    "interview.ended",
    "interview.moved",
    "rtc.description",
    "rtc.candidate",
  ];
  for (const name of EVENTS) {
    socket.on(name, (data) => {
      if (!data || data.session_id !== SESSION_ID) return;
      if (call.state === "joining") buffered.push([name, data]);
      else dispatch(name, data);
    });
  }
  socket.whenOpen(() => {
    const current = socket.socket;
    current.addEventListener(
      "close",
      () => {
        if (call.state === "in-call") announce(t("serverLost"));
      },
      { once: true },
    );
    if (socketWasOpen && call.state === "in-call") announce(t("serverBack"));
    socketWasOpen = true;
    // The server forgets a socket's calls: join again after every reconnect.
    if (call.state === "joining" || call.state === "in-call") sendJoin();
  });

  window.addEventListener("online", () => {
    if (call.state !== "in-call") return;
    announce(t("online"));
    for (const peer of peers.values()) restartIce(peer);
  });
  window.addEventListener("offline", () => {
    if (call.state === "in-call") announce(t("offline"));
  });

  ui.join.addEventListener("click", () => {
    if (call.state !== "preview") return;
    const best = localTrack("video") ? "full" : localTrack("audio") ? "audio" : "chat";
    joinWith(mode === "chat" ? "chat" : best);
  });
  ui.retry.addEventListener("click", () => startPreview());
  ui.joinAudio.addEventListener("click", async () => {
    if (call.state !== "preview") return;
    if (!localTrack("audio")) {
      const microphone = supportsMedia ? await openTrack("audio", true) : null;
      if (!microphone) {
        setPreviewProblem("errMicBlocked", ["chat"]);
        return;
      }
    }
    joinWith("audio");
  });
  ui.joinChat.addEventListener("click", () => {
    if (call.state === "preview") joinWith("chat");
  });
  ui.cameraSelect.addEventListener("change", () => call.state === "preview" && startPreview());
  ui.micSelect.addEventListener("change", () => call.state === "preview" && startPreview());
  if (supportsMedia && navigator.mediaDevices.addEventListener) {
    navigator.mediaDevices.addEventListener("devicechange", () => fillDeviceLists());
  }
  ui.mic.addEventListener("click", toggleMicrophone);
  ui.camera.addEventListener("click", toggleCamera);
  ui.switchCamera.addEventListener("click", switchCamera);
  ui.audioOnly.addEventListener("click", () => setAudioOnly(!media.audioOnly));
  ui.hangUp.addEventListener("click", hangUp);
  ui.end.addEventListener("click", endForEveryone);
  ui.rejoin.addEventListener("click", rejoin);
  ui.chatForm.addEventListener("submit", sendChat);
  ui.chatText.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) ui.chatForm.requestSubmit();
  });
  ui.chatText.addEventListener("input", () => {
    if (ui.chatError.textContent) showChatError(null);
  });
  setInterval(tick, STATS_EVERY_MS);

  if (root.dataset.open === "false") {
    setState("ended");
  } else {
    setState("preview");
    startPreview();
  }
})();
