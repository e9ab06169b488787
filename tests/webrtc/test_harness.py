"""The harness itself, without the room page: the namespace, the Daphnes, Chromium, the socket,
and a bare-bones call (a few lines of WebRTC in the test) relayed through two Daphnes."""

import socket

import pytest

from accounts.models import Membership
from tests import factories
from tests.webrtc import harness

pytestmark = [pytest.mark.webrtc, pytest.mark.django_db(transaction=True)]

# A minimal participant: one socket, one RTCPeerConnection to `peer`, exposed the way the room
# page exposes its calls (window.fairCall.peers), so the harness reads it the same way.
BARE_CALL_JS = """
async ([wsUrl, sessionId, peer]) => {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onclose = () => reject(new Error("socket refused")); });
  let counter = 0;
  const waiting = new Map();
  const request = (type, data) => new Promise((resolve) => {
    const id = "h" + (++counter);
    waiting.set(id, resolve);
    ws.send(JSON.stringify({v: 1, id, type, data}));
  });
  const stream = await navigator.mediaDevices.getUserMedia({video: true, audio: true});
  const pc = new RTCPeerConnection({iceServers: []});
  stream.getTracks().forEach((track) => pc.addTrack(track, stream));
  const queued = [];
  pc.onicecandidate = (e) => {
    if (e.candidate) request("rtc.candidate", {session_id: sessionId, to: peer, candidate: e.candidate.toJSON()});
  };
  const handle = async (frame) => {
    if (frame.event === "rtc.description") {
      await pc.setRemoteDescription(frame.data.description);
      if (frame.data.description.type === "offer") {
        await pc.setLocalDescription();
        await request("rtc.description", {session_id: sessionId, to: peer, description: {type: pc.localDescription.type, sdp: pc.localDescription.sdp}});
      }
      while (queued.length) await pc.addIceCandidate(queued.shift());
    } else if (frame.event === "rtc.candidate") {
      if (pc.remoteDescription) await pc.addIceCandidate(frame.data.candidate);
      else queued.push(frame.data.candidate);
    }
  };
  let inOrder = Promise.resolve();
  ws.onmessage = (e) => {
    const frame = JSON.parse(e.data);
    if (frame.id && waiting.has(frame.id)) { waiting.get(frame.id)(frame); waiting.delete(frame.id); return; }
    inOrder = inOrder.then(() => handle(frame)).catch((err) => console.error("bare call:", err));
  };
  const video = document.createElement("video");
  video.muted = true; video.autoplay = true; video.playsInline = true;
  const tile = document.createElement("div");
  tile.dataset.userId = String(peer);
  tile.append(video);
  document.body.append(tile);
  pc.ontrack = (e) => { video.srcObject = e.streams[0]; };
  window.fairCall = {peers: new Map([[peer, pc]]), state: "in-call", joinedOnce: true};
  window.bareCall = {
    offer: async () => {
      await pc.setLocalDescription();
      return request("rtc.description", {session_id: sessionId, to: peer, description: {type: "offer", sdp: pc.localDescription.sdp}});
    },
  };
  return request("interview.join", {session_id: sessionId, device: "desktop"});
}
"""


def test_namespace_has_only_loopback_and_daphne_answers(daphne):
    assert {name for _i, name in socket.if_nameindex()} == {"lo"}
    first, second = daphne(2)
    for server in (first, second):
        # Each reached the test database and Redis inside the namespace (no Celery worker here).
        assert server.health["database"]["ok"] and server.health["redis"]["ok"], server.health
        assert harness.http_status(server.url + "/") == 200
        assert harness.http_status(server.url + "/static/frontend/js/ws-client.js") == 200
    assert first.process.pid != second.process.pid


def test_chromium_loads_pages_and_opens_the_socket_only_when_logged_in(seat, daphne):
    server = daphne(1)[0]
    person = seat("person", factories.user(name="Pia"), server=server, phone_sized=True)
    response = person.page.goto(server.url + "/")
    assert response is not None and response.status == 200
    assert person.page.evaluate("window.innerWidth") < 420
    hello = person.socket_request({"v": 1, "id": "x", "type": "session.hello", "data": {}})
    assert hello["ok"] is True, hello

    anonymous = seat("anonymous", None, server=server)
    anonymous.page.goto(server.url + "/")
    refused = anonymous.socket_request({"v": 1, "id": "x", "type": "session.hello", "data": {}})
    assert refused.get("socket") == "closed", refused


def test_bare_call_through_two_daphnes_decodes_video_over_loopback(seat, daphne, timing):
    employer = factories.employer()
    recruiter = factories.member(employer.organisation, Membership.Role.RECRUITER, name="Rita")
    candidate = factories.user(phone="+393331112222", name="Carlo")
    session = factories.booth_call(recruiter, candidate)
    first, second = daphne(2)
    rec = seat("recruiter", recruiter, server=first)
    cand = seat("candidate", candidate, server=second, phone_sized=True)
    for person, other, server in ((rec, cand, first), (cand, rec, second)):
        person.page.goto(server.url + "/")
        joined = person.page.evaluate(BARE_CALL_JS, [server.ws_url, session.pk, other.user_id])
        assert joined["ok"] is True, joined
    offered = rec.page.evaluate("() => window.bareCall.offer()")
    assert offered["ok"] is True, offered
    timing(
        "both ways",
        harness.wait_for_video([(rec, [cand.user_id]), (cand, [rec.user_id])]),
    )
