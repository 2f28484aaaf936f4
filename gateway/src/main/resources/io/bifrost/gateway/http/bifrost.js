// bifrost.js: the Bifrost Gateway's browser helper, served by the gateway at GET /bifrost.js.
// A dependency-free ES module (no build step). It keeps a websocket subscribed across reconnects without losing or
// repeating a broadcast: it remembers the last position seen per channel, resumes from it on every (re)connect
// ("since" in authenticate), and tells the app when a channel could not be resumed so that it refetches its state.
//
//   import { connect } from "https://gateway.example.com/bifrost.js";
//   const bifrost = connect("wss://gateway.example.com/subscribe", {
//     getToken: () => fetch("/api/bifrost-token").then((r) => r.json()).then((d) => d.token),
//     onMessage: (event, data, { channel, id }) => console.log(event, data),
//     onReset: (channel) => refetch(channel),
//   });

const POSITION = /^([0-9a-z]{1,16}):([0-9]{1,19})$/;
const PING_MS = 10_000;
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;
const OPEN = 1;

/**
 * @typedef {object} Options
 * @property {() => (string|Promise<string>)} getToken a subscribe token (JWT) for this user; called on every
 *     (re)connect, so it may mint a fresh one each time
 * @property {(event: string, data: *, where: {channel: string, id: string}) => void} [onMessage] a broadcast, once,
 *     in order; data is JSON.parse(msg.data) (the raw value when it is not a string holding JSON)
 * @property {(channel: string, ack: {recovered: boolean, missed: number}) => void} [onSubscribed] the gateway
 *     subscribed the socket; `missed` messages it had missed follow, before anything newer
 * @property {(channel: string) => void} [onReset] the channel could not be resumed (its history was lost or is
 *     shorter than the gap): messages may have been missed, refetch the channel's state
 * @property {(status: string, detail: object) => void} [onStatus] "connecting" {attempt}, "open", "closed"
 *     {code, reason, retryIn?}, "error" {message}, "stopped"
 * @property {Storage} [storage] e.g. sessionStorage, to keep positions across reloads of the page (default: memory)
 * @property {string} [storageKey] the storage item, default "bifrost.positions"
 */

/**
 * Connects and stays subscribed until close().
 *
 * @param {string|URL|object} target the gateway's ws(s)://…/subscribe URL (http(s) or relative to the page will do):
 *     the helper opens the socket and reconnects with backoff (1 s doubling to 30 s, jittered); or a
 *     ReconnectingWebSocket (anything with the WebSocket interface that reconnects by itself and fires "open" each
 *     time): the helper authenticates on each "open"
 * @param {Options} options callbacks and settings
 * @returns {Bifrost} the connection
 */
export function connect(target, options) {
  return new Bifrost(target, options);
}

/** A resumable subscription; see connect(). */
export class Bifrost {
  #options;
  #key;
  #owned;
  #url = null;
  #socket = null;
  /** channel → the last position delivered on it, "epoch:offset" */
  #positions = new Map();
  #unlisten = [];
  #live = false;
  #generation = 0; // counts opens and closes: a token that arrives for a connection already gone is not sent
  #attempt = 0;
  #retry = null;
  #ping;
  #stopped = false;

  /**
   * @param {string|URL|object} target see connect()
   * @param {Options} options see connect()
   */
  constructor(target, options) {
    if (typeof options?.getToken !== "function") {
      throw new TypeError("bifrost: options.getToken must be a function returning a token or a promise of one");
    }
    this.#options = options;
    this.#key = options.storageKey ?? "bifrost.positions";
    this.#load();
    this.#owned = typeof target === "string" || target instanceof URL;
    this.#ping = setInterval(() => this.#send({ event: "ping" }), PING_MS);
    if (this.#owned) {
      // Relative to the page, http(s) as ws(s); a malformed URL throws here, once, not on every retry.
      this.#url = new URL(target, globalThis.location?.href);
      this.#url.protocol = this.#url.protocol.replace(/^http/, "ws");
      this.#open();
    } else {
      this.#listen(target);
      if (target.readyState === OPEN) {
        this.#opened();
      }
    }
  }

  /** @returns {Object<string, string>} the last position delivered per channel: what the next connect resumes from */
  positions() {
    return Object.fromEntries(this.#positions);
  }

  /** Stops for good: closes the socket (code 1000) and never reconnects. */
  close() {
    if (this.#stopped) {
      return;
    }
    this.#stopped = true;
    this.#generation++;
    clearInterval(this.#ping);
    clearTimeout(this.#retry);
    this.#unlisten.forEach((remove) => remove());
    try {
      this.#socket?.close(1000);
    } catch {
      // already closed
    }
    this.#status("stopped", {});
  }

  #open() {
    this.#status("connecting", { attempt: this.#attempt });
    this.#listen(new WebSocket(this.#url));
  }

  #listen(socket) {
    this.#unlisten.forEach((remove) => remove());
    this.#unlisten = [];
    this.#socket = socket;
    const on = (type, handler) => {
      socket.addEventListener(type, handler);
      this.#unlisten.push(() => socket.removeEventListener(type, handler));
    };
    on("open", () => this.#opened());
    on("message", (event) => this.#received(event.data));
    on("close", (event) => this.#closed(event));
    // ReconnectingWebSocket reports each later close as "connecting" with the close code.
    on("connecting", (event) => event.code !== undefined && this.#closed(event));
  }

  async #opened() {
    const generation = ++this.#generation;
    this.#live = true;
    this.#status("open", {});
    let token;
    try {
      token = await this.#options.getToken();
    } catch (error) {
      if (generation === this.#generation) {
        this.#status("error", { message: "getToken failed: " + error });
        this.#restart();
      }
      return;
    }
    if (generation === this.#generation) {
      this.#send({ event: "authenticate", data: token, since: this.#since(token) });
    }
  }

  // Positions for the token's channels (all we know when its claims cannot be read): the gateway resumes those.
  #since(token) {
    let channels = null;
    try {
      const payload = String(token).split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
      channels = JSON.parse(new TextDecoder().decode(bytes)).channels;
    } catch {
      // not a JWT we can read: the gateway will say
    }
    return Object.fromEntries([...this.#positions].filter(([channel]) =>
      !Array.isArray(channels) || channels.includes(channel)));
  }

  #received(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return; // not a frame of the gateway's
    }
    if (typeof msg?.event !== "string") {
      return;
    }
    // Broadcasts carry channel and id; the gateway's own frames (subscribed, pong, error) do not.
    if (msg.id === undefined) {
      if (msg.event === "subscribed") {
        this.#subscribed(parse(msg.data));
      } else if (msg.event === "error") {
        this.#status("error", { message: parse(msg.data)?.error ?? String(msg.data) });
      }
      return; // pong: the socket is alive, nothing to tell
    }
    if (this.#isNew(msg.channel, msg.id)) {
      this.#options.onMessage?.(msg.event, parse(msg.data), { channel: msg.channel, id: msg.id });
    }
  }

  #subscribed(ack) {
    if (typeof ack?.channel !== "string") {
      return;
    }
    // A gateway without the recovery extension recovers nothing.
    const recovered = ack.recovered ?? !this.#positions.has(ack.channel);
    this.#attempt = 0; // authenticated: the next outage starts again at 1 s
    this.#options.onSubscribed?.(ack.channel, { recovered: recovered === true, missed: Number(ack.missed) || 0 });
    if (recovered !== true) {
      this.#reset(ack.channel);
    }
  }

  // Never twice: an id at or below the last one of the same epoch was delivered already. Another epoch means the
  // history was lost; it is accepted only together with a reset (the gateway's recovered:false, or one made here).
  #isNew(channel, id) {
    const next = POSITION.exec(id);
    if (typeof channel !== "string" || !next) {
      return true; // nothing to compare with
    }
    const last = POSITION.exec(this.#positions.get(channel) ?? "");
    if (last && last[1] === next[1] && BigInt(next[2]) <= BigInt(last[2])) {
      return false;
    }
    if (last && last[1] !== next[1]) {
      this.#reset(channel);
    }
    this.#positions.set(channel, id);
    this.#save();
    return true;
  }

  #reset(channel) {
    this.#positions.delete(channel);
    this.#save();
    this.#options.onReset?.(channel);
  }

  #closed(event) {
    const wasLive = this.#live;
    this.#live = false;
    this.#generation++;
    if (this.#stopped) {
      return;
    }
    if (!this.#owned) {
      if (wasLive) {
        this.#status("closed", { code: event.code, reason: event.reason });
      }
      return;
    }
    // Jittered: 0.5–1 s, then 1–2 s, … up to 15–30 s, so a crowd of pages does not come back at the same instant.
    const ceiling = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** this.#attempt++);
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.#status("closed", { code: event.code, reason: event.reason, retryIn: delay });
    this.#retry = setTimeout(() => this.#open(), delay);
  }

  // No token: drop this connection and try again later.
  #restart() {
    const socket = this.#socket;
    if (this.#owned) {
      socket.close(4000, "no token");
    } else if (typeof socket.reconnect === "function") {
      socket.reconnect();
    } else if (typeof socket.refresh === "function") {
      socket.refresh();
    }
  }

  #send(frame) {
    if (this.#live && this.#socket?.readyState === OPEN) {
      try {
        this.#socket.send(JSON.stringify(frame));
      } catch {
        // closing: the close event follows
      }
    }
  }

  #status(status, detail) {
    this.#options.onStatus?.(status, detail);
  }

  #load() {
    try {
      const saved = JSON.parse(this.#options.storage?.getItem(this.#key) ?? "{}");
      for (const [channel, id] of Object.entries(saved)) {
        if (typeof id === "string" && POSITION.test(id)) {
          this.#positions.set(channel, id);
        }
      }
    } catch {
      // nothing usable saved
    }
  }

  #save() {
    try {
      this.#options.storage?.setItem(this.#key, JSON.stringify(this.positions()));
    } catch {
      // storage full or refused: memory still has them
    }
  }
}

// As Bifrost's snippet does: JSON.parse(msg.data); a value that is not a string holding JSON is passed as it is.
function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
