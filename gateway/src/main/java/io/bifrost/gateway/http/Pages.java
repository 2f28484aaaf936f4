package io.bifrost.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

import io.bifrost.gateway.config.Mode;
import io.bifrost.protocol.Tokens;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;

/**
 * The HTML pages: {@code GET /} says what this server is; {@code GET /test}, in development only and to a browser on
 * this machine only, connects with a test token for {@code user:1} and shows what arrives; {@code GET /style.css} is
 * the one stylesheet they and the dashboard share.
 */
public final class Pages {
    /** Where the shared stylesheet is served. */
    public static final String STYLE_PATH = "/style.css";
    /** The content type of every page. */
    public static final Header HTML = HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/html; charset=UTF-8");
    private static final Header CSS = HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/css; charset=utf-8");
    private static final Header CACHE_CONTROL = HeaderValues.create(HeaderNames.CACHE_CONTROL, "public, max-age=300");

    private final Mode mode;
    private final Tokens tokens;
    private final byte[] style = resource(Pages.class, "style.css");

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
        rules.get(STYLE_PATH, (req, res) -> res.header(CSS).header(CACHE_CONTROL).send(style));
        rules.get("/test", (req, res) -> {
            if (mode != Mode.DEVELOPMENT || !Loopback.fromThisMachine(req)) {
                res.status(Status.NOT_FOUND_404).send("Not Found");
                return;
            }
            // No expiry is needed for a page that authenticates once, right away; an hour is plenty anyway.
            String token = tokens.subscribeToken(List.of("user:1"), Duration.ofHours(1));
            res.header(HTML).send(TEST_PAGE.replace("@TOKEN@", token));
        });
    }

    /**
     * Reads a file shipped in the jar beside a class, once, at start.
     *
     * @param owner the class it lies beside
     * @param name  its name
     * @return its bytes
     * @throws IllegalStateException if the jar lacks it (a broken build)
     */
    public static byte[] resource(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + name + " beside " + owner.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + name + " from the jar", e);
        }
    }

    private String index() {
        return INDEX.replace("@TEST@", mode == Mode.DEVELOPMENT
                ? "<li><a href=\"/test\">/test</a>: a page subscribed to <code>user:1</code> (development only)</li>"
                : "").replace("@DASHBOARD@", mode == Mode.DEVELOPMENT
                ? "<li><a href=\"/dashboard\">/dashboard</a>: the live dashboard, with a \"try it\" panel</li>"
                : "<li><code>/dashboard</code>: the live dashboard, with <code>BIFROST_DASHBOARD_TOKEN</code></li>");
    }

    private static final String INDEX = """
            <!doctype html>
            <html>
            <head><meta charset="UTF-8"><title>Bifrost Gateway</title><link rel="stylesheet" href="/style.css"></head>
            <body>
              <header><h1><span>Bifrost</span> Gateway</h1></header>
              <main>
              <p>A realtime broadcast gateway, compatible with Bifrost. Browsers subscribe over a websocket at
                 <code>/subscribe</code>; backends broadcast with <code>POST /broadcast</code>.</p>
              <ul class="links">
                @DASHBOARD@
                <li><a href="/info.json">/info.json</a>: deliveries and connected sockets</li>
                <li><a href="/bifrost.js">/bifrost.js</a>: the browser helper, an ES module that resumes subscriptions
                    across reconnects without losing or repeating a broadcast</li>
                @TEST@
              </ul>
              </main>
            </body>
            </html>
            """;

    private static final String TEST_PAGE = """
            <!doctype html>
            <html>
            <head><meta charset="UTF-8"><title>Bifrost test page</title><link rel="stylesheet" href="/style.css"></head>
            <body>
              <header><h1><span>Bifrost</span> test page</h1></header>
              <main>
              <p>Subscribed to <code>user:1</code>; everything received is listed below and logged to the console.</p>
              <pre id="log"></pre>
              </main>
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
