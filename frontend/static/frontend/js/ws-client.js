// The browser side of docs/protocol.md: request/reply with ids, server events, reconnect.
"use strict";

// Version and names come from signaling/protocol.py (frontend/_socket.html), never typed here.
const FAIR_PROTOCOL = JSON.parse(document.getElementById("fair-protocol").textContent);

class FairSocket {
  constructor(path = "/ws/v1/") {
    // The page's language: the server words its refusals in it.
    const lang = encodeURIComponent(document.documentElement.lang || "");
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}?lang=${lang}`;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Map();
    this.onOpen = [];
    this.retry = 0;
    this.connect();
  }

  connect() {
    this.socket = new WebSocket(this.url);
    this.socket.addEventListener("open", () => {
      this.retry = 0;
      // Re-subscribe after every reconnect: the server keeps no per-socket state.
      for (const callback of this.onOpen) callback();
    });
    this.socket.addEventListener("message", (message) => this.dispatch(JSON.parse(message.data)));
    this.socket.addEventListener("close", (closed) => {
      for (const { reject } of this.pending.values()) {
        reject(Object.assign(new Error("socket closed"), { code: "socket.closed" }));
      }
      this.pending.clear();
      if (closed.code === FAIR_PROTOCOL.signed_out_close_code) return;
      // Exponential backoff with jitter so a restarted server is not hit by every client at once.
      const delay = Math.min(30000, 500 * 2 ** this.retry++) * (0.5 + Math.random() / 2);
      setTimeout(() => this.connect(), delay);
    });
  }

  dispatch(frame) {
    if (frame.event) {
      for (const callback of this.listeners.get(frame.event) || []) callback(frame.data);
      return;
    }
    const waiter = this.pending.get(frame.id);
    if (!waiter) return;
    this.pending.delete(frame.id);
    if (frame.ok) waiter.resolve(frame.data);
    else waiter.reject(Object.assign(new Error(frame.error.message), { code: frame.error.code }));
  }

  request(type, data = {}) {
    if (!FAIR_PROTOCOL.commands.includes(type)) throw new Error(`no command ${type} in the protocol`);
    const id = `c${this.nextId++}`;
    return new Promise((resolve, reject) => {
      // A closed or still-connecting socket would drop (or throw on) the frame, and no reply
      // would ever come: fail at once, so callers retry after the reconnect (whenOpen).
      if (this.socket.readyState !== WebSocket.OPEN) {
        reject(Object.assign(new Error("socket not open"), { code: "socket.closed" }));
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ v: FAIR_PROTOCOL.version, id, type, data }));
    });
  }

  on(event, callback) {
    if (!FAIR_PROTOCOL.events.includes(event)) throw new Error(`no event ${event} in the protocol`);
    if (!this.listeners.has(event)) this.listeners.set(event, []);
    this.listeners.get(event).push(callback);
  }

  whenOpen(callback) {
    this.onOpen.push(callback);
    if (this.socket.readyState === WebSocket.OPEN) callback();
  }

  // Every script on a page uses this one connection (the server rate-limits per socket, and a
  // phone should hold one, not one per widget).
  static shared() {
    if (!FairSocket.instance) FairSocket.instance = new FairSocket();
    return FairSocket.instance;
  }
}

window.FairSocket = FairSocket;
