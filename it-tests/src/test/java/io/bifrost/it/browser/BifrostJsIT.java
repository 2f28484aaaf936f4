package io.bifrost.it.browser;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.sun.net.httpserver.HttpServer;
import io.bifrost.gateway.http.BrowserScript;
import io.bifrost.gateway.testkit.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bifrost.js} in headless Chromium against a scripted socket (a ReconnectingWebSocket stand-in the test opens,
 * feeds frames and drops): what it sends on each open, and what it hands the app, for the cases a healthy gateway
 * never produces on demand — a repeated or older id, another epoch, a token that cannot be had.
 */
class BifrostJsIT {
    @TempDir
    static Path dir;
    private static BrowserKit browser;
    private static HttpServer site;
    private static String page;

    @BeforeAll
    static void start() throws Exception {
        browser = BrowserKit.start(dir);
        site = BrowserKit.site();
        byte[] script = new BrowserScript().bytes();
        site.createContext("/", BrowserKit.fixed("text/html", PAGE));
        site.createContext("/bifrost.js", exchange -> BrowserKit.respond(exchange, "text/javascript", script));
        site.start();
        page = "http://127.0.0.1:" + site.getAddress().getPort() + "/";
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (site != null) {
            site.stop(0);
        }
    }

    @BeforeEach
    void freshPage() throws Exception {
        browser.open(page);
        browser.js("sessionStorage.clear()");
        browser.open(page);
        BrowserKit.await(() -> Boolean.TRUE.equals(browser.js("return window.ready === true")),
                () -> "the page's module did not run; its log:\n" + browser.log());
    }

    @Test
    void authenticatesOnEveryOpenWithAFreshTokenAndTheLastIdOfEachOfItsChannels() throws Exception {
        String first = token("user:1", "global");
        String second = token("user:1", "global");
        start("memory", first, second);
        open();
        assertEquals("[{\"event\":\"authenticate\",\"data\":\"" + first + "\",\"since\":{}}]", sent());

        frame(subscribed("user:1", true, 0));
        frame(subscribed("global", true, 0));
        frame(message("user:1", "e1:1", "{\\\"n\\\":1}"));
        frame(message("global", "g7:9", "{\\\"g\\\":1}"));
        frame(message("user:1", "e1:2", "{\\\"n\\\":2}"));
        browser.js("socket.sent.length = 0; socket.drop(1006)");
        open();

        assertEquals("[{\"event\":\"authenticate\",\"data\":\"" + second
                + "\",\"since\":{\"user:1\":\"e1:2\",\"global\":\"g7:9\"}}]", sent());
        assertEquals("{\"user:1\":\"e1:2\",\"global\":\"g7:9\"}", browser.js("return JSON.stringify(bifrost.positions())"));
        assertEquals(List.of("status open", "subscribed user:1 true 0", "subscribed global true 0",
                "message user:1 new_item {\"n\":1} e1:1", "message global new_item {\"g\":1} g7:9",
                "message user:1 new_item {\"n\":2} e1:2", "status closed 1006", "status open"), lines());
    }

    @Test
    void sinceNamesOnlyTheChannelsOfTheNewToken() throws Exception {
        start("memory", token("user:1", "team:4"), token("user:1"));
        open();
        frame(message("user:1", "e1:3", "1"));
        frame(message("team:4", "t1:8", "2"));
        browser.js("socket.sent.length = 0; socket.drop(1006)");
        open();
        assertEquals("{\"user:1\":\"e1:3\"}", browser.js("return JSON.stringify(socket.sent[0].since)"));
    }

    @Test
    void neverDeliversAnIdTwiceNorOneOlderThanTheLastOfItsEpoch() throws Exception {
        start("memory", token("user:1"), token("user:1"));
        open();
        frame(subscribed("user:1", true, 0));
        for (String id : List.of("e1:1", "e1:2", "e1:2", "e1:1", "e1:3")) {
            frame(message("user:1", id, "0"));
        }
        browser.js("socket.drop(1006)");
        open();
        // A replay that overlaps what was delivered: only what is newer gets through.
        frame(subscribed("user:1", true, 2));
        for (String id : List.of("e1:2", "e1:3", "e1:4", "e1:4", "e1:5", "e1:10")) {
            frame(message("user:1", id, "0"));
        }
        assertEquals(List.of("e1:1", "e1:2", "e1:3", "e1:4", "e1:5", "e1:10"), deliveredIds());
    }

    @Test
    void recoveredFalseResetsTheChannelAndItsNewEpochIsAcceptedFromThen() throws Exception {
        start("memory", token("user:1"), token("user:1"));
        open();
        frame(message("user:1", "e1:7", "0"));
        frame(subscribed("user:1", false, 0));
        frame(message("user:1", "e2:1", "0"));
        frame(message("user:1", "e2:1", "0"));
        frame(message("user:1", "e2:2", "0"));
        assertEquals(List.of("status open", "message user:1 new_item 0 e1:7", "subscribed user:1 false 0",
                "reset user:1", "message user:1 new_item 0 e2:1", "message user:1 new_item 0 e2:2"), lines());
        browser.js("socket.sent.length = 0; socket.drop(1006)");
        open();
        assertEquals("{\"user:1\":\"e2:2\"}", browser.js("return JSON.stringify(socket.sent[0].since)"));
    }

    @Test
    void anotherEpochWithoutARecoveredFalseIsDeliveredOnlyTogetherWithAReset() throws Exception {
        start("memory", token("user:1"));
        open();
        frame(message("user:1", "e1:7", "0"));
        frame(message("user:1", "e9:1", "0"));
        frame(message("user:1", "e1:8", "0").replace("user:1", "user:2"));
        assertEquals(List.of("status open", "message user:1 new_item 0 e1:7", "reset user:1",
                "message user:1 new_item 0 e9:1", "message user:2 new_item 0 e1:8"), lines());
    }

    @Test
    void dataIsParsedAsBifrostsSnippetDoesAndTheGatewaysOwnFramesAreNotMessages() throws Exception {
        start("memory", token("user:1"));
        open();
        frame(message("user:1", "e1:1", "{\\\"id\\\":7}"));
        frame(message("user:1", "e1:2", "\\\"text\\\""));
        frame(message("user:1", "e1:3", "42"));
        frame(message("user:1", "e1:4", "not json"));
        frame("{\"event\":\"pong\"}");
        frame("{\"event\":\"error\",\"data\":\"{\\\"error\\\":\\\"unknown event\\\"}\"}");
        frame("not json at all");
        frame("{\"event\":\"new_item\",\"data\":{\"id\":8},\"channel\":\"user:1\",\"id\":\"e1:5\"}");
        assertEquals(List.of("status open", "message user:1 new_item {\"id\":7} e1:1",
                "message user:1 new_item \"text\" e1:2", "message user:1 new_item 42 e1:3",
                "message user:1 new_item \"not json\" e1:4", "status error unknown event",
                "message user:1 new_item {\"id\":8} e1:5"), lines());
    }

    @Test
    void sessionStorageKeepsPositionsAcrossAReloadWhenTheAppAsks() throws Exception {
        start("session", token("user:1"));
        open();
        frame(message("user:1", "e1:4", "0"));

        browser.open(page);
        BrowserKit.await(() -> Boolean.TRUE.equals(browser.js("return window.ready === true")), () -> "no module");
        start("session", token("user:1"));
        open();
        assertEquals("{\"user:1\":\"e1:4\"}", browser.js("return JSON.stringify(socket.sent[0].since)"));
        // A repeat of what the previous page delivered is dropped here too.
        frame(message("user:1", "e1:4", "0"));
        frame(message("user:1", "e1:5", "0"));
        assertEquals(List.of("e1:5"), deliveredIds());

        browser.open(page);
        BrowserKit.await(() -> Boolean.TRUE.equals(browser.js("return window.ready === true")), () -> "no module");
        start("memory", token("user:1"));
        open();
        assertEquals("{}", browser.js("return JSON.stringify(socket.sent[0].since)"));
    }

    @Test
    void aTokenThatCannotBeHadDropsTheConnectionSoItIsTriedAgain() throws Exception {
        start("memory", "fail", token("user:1"));
        browser.js("socket.open()");
        BrowserKit.await(() -> Long.valueOf(1).equals(browser.js("return socket.refreshed")),
                () -> "no refresh; log:\n" + browser.log());
        assertEquals("[]", sent());
        open();
        assertEquals("authenticate", browser.js("return socket.sent[0].event"));
        assertEquals(List.of("status open", "status error getToken failed: Error: no token", "status closed 1000",
                "status open"), lines());
    }

    @Test
    void aTokenThatArrivesForAConnectionAlreadyGoneIsNotSentOnTheNextOne() throws Exception {
        String fresh = token("user:1");
        start("memory", "held", fresh);
        browser.js("socket.open()");
        browser.js("socket.drop(1006)");
        open();
        browser.js("releaseHeldToken()");
        // The held token resolves while the next connection is open: it belongs to the one before, and is dropped.
        BrowserKit.await(() -> Boolean.TRUE.equals(browser.js("return window.released === true")), () -> "held");
        assertEquals("[{\"event\":\"authenticate\",\"data\":\"" + fresh + "\",\"since\":{}}]", sent());
    }

    @Test
    void closeStopsForGood() throws Exception {
        start("memory", token("user:1"), token("user:1"));
        open();
        browser.js("bifrost.close()");
        assertEquals(1000L, browser.js("return socket.closedWith"));
        browser.js("socket.sent.length = 0; socket.readyState = 1; socket.dispatchEvent(new Event('open'))");
        frame(message("user:1", "e1:1", "0"));
        assertEquals("[]", sent());
        assertEquals(List.of("status open", "status stopped"), lines());
    }

    @Test
    void pingsEveryTenSecondsWhileOpen() throws Exception {
        start("memory", token("user:1"));
        open();
        BrowserKit.await(() -> sent().contains("{\"event\":\"ping\"}"), () -> "no ping: " + sent());
    }

    @Test
    void ownSocketReconnectsWithJitteredDoublingBackoffFromTheFirstSecondAndStopsWhenClosed() throws Exception {
        String port = page.replaceAll(".*:(\\d+)/$", "$1");
        browser.js("startOwn('/subscribe', arguments[0])", List.of(token("user:1"), token("user:1")));
        assertEquals("ws://127.0.0.1:" + port + "/subscribe", browser.js("return sockets[0].url"));
        browser.js("sockets[0].open()");
        frame(0, subscribed("user:1", true, 0));
        frame(0, message("user:1", "e1:1", "0"));

        browser.js("sockets[0].shut(1006)");
        assertRetryBetween(500, 1000);
        awaitSockets(2);
        browser.js("sockets[1].shut(1006)"); // refused: the next wait doubles
        assertRetryBetween(1000, 2000);
        awaitSockets(3);
        browser.js("sockets[2].open()");
        BrowserKit.await(() -> browser.js("return sockets[2].sent.length").equals(1L), () -> "no authenticate");
        assertEquals("{\"user:1\":\"e1:1\"}", browser.js("return JSON.stringify(sockets[2].sent[0].since)"));
        frame(2, subscribed("user:1", true, 0));
        browser.js("sockets[2].shut(1006)"); // it had authenticated: back to the first second
        long wait = assertRetryBetween(500, 1000);

        browser.js("bifrost.close()");
        // Past the announced retry, no socket was opened: close() cancelled it.
        Thread.sleep(wait + 500);
        assertEquals(3L, browser.js("return sockets.length"));
        assertEquals("stopped", browser.js("return statuses.at(-1)[0]"));
    }

    private static long assertRetryBetween(long low, long high) {
        @SuppressWarnings("unchecked")
        List<Object> last = (List<Object>) browser.js("return statuses.at(-1)");
        assertEquals("closed", last.get(0), String.valueOf(last));
        long retryIn = ((Number) ((java.util.Map<?, ?>) last.get(1)).get("retryIn")).longValue();
        assertTrue(retryIn >= low && retryIn <= high, "retryIn " + retryIn);
        return retryIn;
    }

    private static void awaitSockets(long count) throws InterruptedException {
        BrowserKit.await(() -> Long.valueOf(count).equals(browser.js("return sockets.length")),
                () -> "no reconnect; statuses " + browser.js("return JSON.stringify(statuses)"));
    }

    private static void frame(int socket, String text) {
        browser.js("sockets[arguments[0]].frame(arguments[1])", socket, text);
    }

    // ---- the page ----

    /** Starts bifrost.js on the page's scripted socket; getToken hands out these tokens in turn. */
    private static void start(String storage, String... tokens) {
        browser.js("start(null, arguments[0], arguments[1])", storage, List.of(tokens));
    }

    /** Opens the scripted socket and waits, bounded, for the authenticate that getToken's answer leads to. */
    private static void open() throws InterruptedException {
        int before = ((Number) browser.js("return socket.sent.length")).intValue();
        browser.js("socket.open()");
        BrowserKit.await(() -> ((Number) browser.js("return socket.sent.length")).intValue() > before,
                () -> "nothing sent after open; log:\n" + browser.log());
    }

    private static void frame(String text) {
        browser.js("socket.frame(arguments[0])", text);
    }

    private static String sent() {
        return (String) browser.js("return JSON.stringify(socket.sent)");
    }

    private static List<String> lines() {
        return browser.log().lines().toList();
    }

    private static List<String> deliveredIds() {
        return lines().stream().filter(l -> l.startsWith("message ")).map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .toList();
    }

    private static String token(String... channels) {
        return TestGateway.tokens().subscribeToken(List.of(channels), Duration.ofMinutes(5));
    }

    private static String subscribed(String channel, boolean recovered, int missed) {
        return "{\"event\":\"subscribed\",\"data\":\"{\\\"channel\\\":\\\"" + channel + "\\\",\\\"recovered\\\":"
                + recovered + ",\\\"missed\\\":" + missed + "}\"}";
    }

    /** A positioned message frame; {@code data} as it appears inside the JSON string (escaped). */
    private static String message(String channel, String id, String data) {
        return "{\"event\":\"new_item\",\"data\":\"" + data + "\",\"channel\":\"" + channel + "\",\"id\":\"" + id
                + "\"}";
    }

    private static final String PAGE = """
            <!doctype html>
            <html><head><meta charset="UTF-8"><title>bifrost.js, scripted socket</title>
            <style>pre { font-size: 11px; }</style></head>
            <body><h1>bifrost.js with a scripted socket</h1><pre id="log"></pre>
            <script type="module">
              import { connect } from "/bifrost.js";
              const show = (line) => { document.getElementById("log").textContent += line + "\\n"; };
              // A ReconnectingWebSocket stand-in: records what is sent; the test opens it, feeds it frames, drops it.
              class ScriptedSocket extends EventTarget {
                readyState = 0; sent = []; closedWith = null; refreshed = 0;
                send(text) { if (this.readyState !== 1) throw new Error("not open"); this.sent.push(JSON.parse(text)); }
                close(code) { this.closedWith = code; this.readyState = 3; }
                refresh() { this.refreshed++; this.drop(1000); }
                open() { this.readyState = 1; this.dispatchEvent(new Event("open")); }
                drop(code) { this.readyState = 0; const e = new Event("connecting"); e.code = code; this.dispatchEvent(e); }
                frame(text) { this.dispatchEvent(new MessageEvent("message", { data: text })); }
                shut(code) { this.readyState = 3; const e = new Event("close"); e.code = code; this.dispatchEvent(e); }
              }
              let heldToken = null;
              window.releaseHeldToken = () => heldToken();
              window.statuses = [];
              // The helper's own socket: a URL, and the page's WebSocket replaced by scripted sockets it records.
              window.startOwn = (url, tokens) => {
                window.sockets = [];
                globalThis.WebSocket = class extends ScriptedSocket {
                  constructor(target) { super(); this.url = String(target); sockets.push(this); }
                };
                start(url, "memory", tokens);
              };
              window.start = (target, storage, tokens) => {
                window.socket = target ?? new ScriptedSocket();
                window.bifrost = connect(window.socket, {
                  getToken: () => {
                    const token = tokens.shift();
                    if (token === "fail") return Promise.reject(new Error("no token"));
                    if (token === "held") {
                      return new Promise((resolve) => {
                        heldToken = () => { resolve("stale-token"); Promise.resolve().then(() => { window.released = true; }); };
                      });
                    }
                    return token;   // a plain string is fine too
                  },
                  onMessage: (event, data, { channel, id }) =>
                    show("message " + channel + " " + event + " " + JSON.stringify(data) + " " + id),
                  onSubscribed: (channel, { recovered, missed }) => show("subscribed " + channel + " " + recovered + " " + missed),
                  onReset: (channel) => show("reset " + channel),
                  onStatus: (status, detail) => statuses.push([status, detail]) && show("status " + status
                      + (detail.code === undefined ? "" : " " + detail.code) + (detail.message ? " " + detail.message : "")),
                  storage: storage === "session" ? sessionStorage : undefined,
                });
              };
              window.ready = true;
            </script></body></html>
            """;
}
