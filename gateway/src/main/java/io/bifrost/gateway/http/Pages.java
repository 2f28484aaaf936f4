package io.bifrost.gateway.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import io.bifrost.gateway.config.Mode;
import io.bifrost.protocol.Tokens;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;

/**
 * The HTML pages: {@code GET /} says what this server is; {@code GET /test}, in development only and to a browser on
 * this machine only, connects with a test token for {@code user:1} and shows what arrives.
 */
public final class Pages {
    private static final Header HTML = HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/html; charset=UTF-8");

    private final Mode mode;
    private final Tokens tokens;

    /**
     * @param mode   development serves {@code /test}
     * @param tokens mints the test page's token
     */
    public Pages(Mode mode, Tokens tokens) {
        this.mode = mode;
        this.tokens = tokens;
    }

    /**
     * Adds the pages' routes.
     *
     * @param rules HTTP routing rules
     */
    public void register(HttpRules rules) {
        rules.get("/", (req, res) -> res.header(HTML).send(index()));
        rules.get("/test", (req, res) -> {
            if (mode != Mode.DEVELOPMENT || !fromThisMachine(req)) {
                res.status(Status.NOT_FOUND_404).send("Not Found");
                return;
            }
            // No expiry is needed for a page that authenticates once, right away; an hour is plenty anyway.
            String token = tokens.subscribeToken(List.of("user:1"), Duration.ofHours(1));
            res.header(HTML).send(TEST_PAGE.replace("@TOKEN@", token));
        });
    }

    /**
     * The test page hands out a token signed with the real secret: only to a browser on this machine. A request a
     * proxy forwarded comes from the proxy's address, which may be this machine's, so a forwarding header rules it out.
     */
    private static boolean fromThisMachine(ServerRequest req) {
        boolean loopback = req.remotePeer().address() instanceof InetSocketAddress address
                && address.getAddress() != null && address.getAddress().isLoopbackAddress();
        return loopback && !req.headers().contains(HeaderNames.FORWARDED)
                && !req.headers().contains(HeaderNames.X_FORWARDED_FOR)
                && !req.headers().contains(HeaderNames.create("X-Real-IP"));
    }

    private String index() {
        return INDEX.replace("@TEST@", mode == Mode.DEVELOPMENT
                ? "<li><a href=\"/test\">/test</a>: a page subscribed to <code>user:1</code> (development only)</li>"
                : "");
    }

    private static final String INDEX = """
            <!doctype html>
            <html>
            <head><meta charset="UTF-8"><title>Bifrost Gateway</title></head>
            <body>
              <h1>Bifrost Gateway</h1>
              <p>A realtime broadcast gateway, compatible with Bifrost. Browsers subscribe over a websocket at
                 <code>/subscribe</code>; backends broadcast with <code>POST /broadcast</code>.</p>
              <ul>
                <li><a href="/info.json">/info.json</a>: deliveries and connected sockets</li>
                <li><a href="/bifrost.js">/bifrost.js</a>: the browser helper, an ES module that resumes subscriptions
                    across reconnects without losing or repeating a broadcast</li>
                @TEST@
              </ul>
            </body>
            </html>
            """;

    private static final String TEST_PAGE = """
            <!doctype html>
            <html>
            <head><meta charset="UTF-8"><title>Bifrost test page</title></head>
            <body>
              <h1>Bifrost test page</h1>
              <p>Subscribed to <code>user:1</code>; everything received is listed below and logged to the console.</p>
              <pre id="log"></pre>
              <script>
                var log = document.getElementById("log");
                function show(line) { console.log(line); log.textContent += line + "\\n"; }
                var ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/subscribe");
                var pingInterval;
                ws.onopen = function () {
                  show("open");
                  ws.send(JSON.stringify({event: "authenticate", data: "@TOKEN@"}));
                  pingInterval = setInterval(function () { ws.send(JSON.stringify({event: "ping"})); }, 10000);
                };
                ws.onmessage = function (event) { show("WSM " + event.data); };
                ws.onclose = function (event) { show("closed " + event.code + " " + event.reason); clearInterval(pingInterval); };
              </script>
            </body>
            </html>
            """;
}
