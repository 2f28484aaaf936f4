package io.bifrost.it.browser;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.it.GatewayProcesses;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10's real-browser acceptance test. A page that uses {@code /bifrost.js}, imported from the gateway, in headless
 * Chromium, against two gateway processes on one Redis behind a health-aware balancer: the page's instance is killed
 * with SIGKILL (no drain, no close frame); every broadcast posted meanwhile through the other instance shows on the
 * page once, in order, after {@code recovered:true} with the right {@code missed} count, and live ones follow. Run with
 * the helper's own socket and with a ReconnectingWebSocket (the npm package Bifrost's snippet uses) passed in.
 */
class BrowserRecoveryIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern MESSAGE = Pattern.compile("message (\\S+) (\\S+) (\\S+) @ ([0-9a-z]+):([0-9]+)");
    private static final int BEFORE = 3;
    private static final int MEANWHILE = 20;
    private static final int GLOBAL_MEANWHILE = 5;

    /** Who owns the websocket. */
    enum Socket {
        /** bifrost.js opens it and reconnects with its own backoff */
        OWN,
        /** the app passes a ReconnectingWebSocket, which reconnects; bifrost.js authenticates on each open */
        RECONNECTING_WEBSOCKET
    }

    @ParameterizedTest
    @EnumSource(Socket.class)
    void pageOnAKilledInstanceResumesOnTheSurvivorAndShowsEveryBroadcastSentMeanwhileOnceInOrder(Socket socket,
            @TempDir Path dir) throws Exception {
        Path rws = Path.of(System.getProperty("bifrost.rws", "missing"));
        assertTrue(socket == Socket.OWN || Files.isRegularFile(rws),
                "run bin/setup first: it installs the reconnectingwebsocket package");
        Map<String, String> env = Map.of("JWT_SECRET", TestGateway.SECRET, "BIFROST_ENV", "production");
        try (RedisServer redis = RedisServer.start();
             GatewayProcesses gateways = GatewayProcesses.start(redis.url(), env, dir, "first", "second");
             HealthAwareBalancer balancer = new HealthAwareBalancer(gateways.uris());
             BrowserKit browser = BrowserKit.start(dir)) {
            // The page's first token comes at once; later ones (its reconnects) wait until the test says, so every
            // broadcast of the outage is certainly missed, however fast the page comes back.
            AtomicInteger tokenRequests = new AtomicInteger();
            CountDownLatch reconnectTokens = new CountDownLatch(1);
            HttpServer site = BrowserKit.site();
            site.createContext("/", BrowserKit.fixed("text/html", page(socket, balancer.port())));
            site.createContext("/reconnecting-websocket.js", exchange -> BrowserKit.respond(exchange,
                    "text/javascript", socket == Socket.OWN ? new byte[0] : Files.readAllBytes(rws)));
            site.createContext("/api/bifrost-token", exchange -> {
                if (tokenRequests.incrementAndGet() > 1) {
                    try {
                        reconnectTokens.await(BrowserKit.WAIT.toSeconds(), TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                String token = TestGateway.tokens().subscribeToken(List.of("user:1", "global"), Duration.ofMinutes(1));
                BrowserKit.respond(exchange, "application/json",
                        ("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8));
            });
            site.start();
            try {
                browser.open("http://127.0.0.1:" + site.getAddress().getPort() + "/");
                browser.awaitLine("subscribed user:1 recovered:true missed:0", 1);
                browser.awaitLine("subscribed global recovered:true missed:0", 1);
                // The balancer sends everything to the first ready instance: the page is on "first".
                assertEquals(1, authenticated(gateways.uris().get(0)), "sockets on the first instance");
                assertEquals(0, authenticated(gateways.uris().get(1)), "sockets on the second instance");

                for (int n = 1; n <= BEFORE; n++) {
                    gateways.broadcast(1, "user:1", "new_item", "{\"n\":" + n + "}");
                }
                gateways.broadcast(1, "global", "notice", "{\"g\":1}");
                browser.awaitLineStarting(line("user:1", "new_item", "{\"n\":" + BEFORE + "}"));
                browser.awaitLineStarting(line("global", "notice", "{\"g\":1}"));

                Process first = gateways.process(0);
                first.destroyForcibly();
                assertTrue(first.waitFor(20, TimeUnit.SECONDS), "the first instance survived SIGKILL");
                assertEquals(128 + 9, first.exitValue(), "not killed by SIGKILL");
                browser.awaitLine("status closed 1006", 1);

                // Through the survivor, while the page's instance is dead and the page holds no subscription.
                for (int n = BEFORE + 1; n <= BEFORE + MEANWHILE; n++) {
                    gateways.broadcast(1, "user:1", "new_item", "{\"n\":" + n + "}");
                    if (n % 4 == 0) {
                        gateways.broadcast(1, "global", "notice", "{\"g\":" + (1 + n / 4) + "}");
                    }
                }
                reconnectTokens.countDown();

                browser.awaitLine("subscribed user:1 recovered:true missed:" + MEANWHILE, 1);
                browser.awaitLine("subscribed global recovered:true missed:" + GLOBAL_MEANWHILE, 1);
                int live = BEFORE + MEANWHILE + 1;
                gateways.broadcast(1, "user:1", "new_item", "{\"n\":" + live + "}");
                gateways.broadcast(1, "global", "notice", "{\"g\":" + (GLOBAL_MEANWHILE + 2) + "}");
                browser.awaitLineStarting(line("user:1", "new_item", "{\"n\":" + live + "}"));
                browser.awaitLineStarting(line("global", "notice", "{\"g\":" + (GLOBAL_MEANWHILE + 2) + "}"));

                String log = browser.log();
                assertOnceInOrder(log, "user:1", "new_item", "n", live);
                assertOnceInOrder(log, "global", "notice", "g", GLOBAL_MEANWHILE + 2);
                assertFalse(log.contains("reset "), "a channel was reset:\n" + log);
                assertEquals(2, log.lines().filter(l -> l.startsWith("subscribed user:1 ")).count(), log);
                assertEquals(1, authenticated(gateways.uris().get(1)), "the page is not on the survivor");
                assertTrue(tokenRequests.get() >= 2, "the page never asked for a token again");
            } finally {
                browser.screenshot("browser-recovery-" + socket.name().toLowerCase(java.util.Locale.ROOT) + ".png");
                site.stop(0);
            }
        }
    }

    private static String line(String channel, String event, String data) {
        return "message " + channel + " " + event + " " + data + " @ ";
    }

    /**
     * The page's messages on the channel are exactly 1..last, once each, in that order, with positions of one epoch
     * whose offsets follow each other.
     */
    private static void assertOnceInOrder(String log, String channel, String event, String key, int last) {
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= last; i++) {
            expected.add("{\"" + key + "\":" + i + "}");
        }
        List<String> data = new ArrayList<>();
        List<String> epochs = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        for (String entry : log.lines().toList()) {
            Matcher m = MESSAGE.matcher(entry);
            if (m.matches() && m.group(1).equals(channel)) {
                assertEquals(event, m.group(2), entry);
                data.add(m.group(3));
                epochs.add(m.group(4));
                offsets.add(Long.parseLong(m.group(5)));
            }
        }
        assertEquals(expected, data, channel + ": duplicates, gaps or disorder; the page's log:\n" + log);
        assertEquals(1, epochs.stream().distinct().count(), channel + " changed epoch: " + epochs);
        for (int i = 1; i < offsets.size(); i++) {
            assertEquals(offsets.get(i - 1) + 1, offsets.get(i), channel + " offsets " + offsets);
        }
    }

    /** Authenticated sockets on one instance, from its /metrics. */
    private static long authenticated(URI gateway) throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(gateway.resolve("/metrics")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^bifrost_sessions_authenticated (\\d+)(\\.0)?$").matcher(metrics);
        assertTrue(m.find(), metrics);
        return Long.parseLong(m.group(1));
    }

    private static String page(Socket socket, int balancerPort) {
        String gateway = "127.0.0.1:" + balancerPort;
        String target = socket == Socket.OWN
                ? "\"ws://" + gateway + "/subscribe\""
                : "new ReconnectingWebSocket(\"ws://" + gateway + "/subscribe\", null, {reconnectInterval: 500})";
        return PAGE.replace("@RWS@", socket == Socket.OWN ? "" : "<script src=\"/reconnecting-websocket.js\"></script>")
                .replace("@GATEWAY@", gateway)
                .replace("@TARGET@", target);
    }

    // What the README shows, with a log: the module comes from the gateway (another origin than the page's).
    private static final String PAGE = """
            <!doctype html>
            <html><head><meta charset="UTF-8"><title>bifrost.js recovery</title>
            <style>pre { font-size: 10px; line-height: 1.15; }</style>@RWS@</head>
            <body><h1>bifrost.js: resumes after its instance is killed</h1><pre id="log"></pre>
            <script>
              function show(line) { console.log(line); document.getElementById("log").textContent += line + "\\n"; }
              // A module that fails to load (a CORS refusal, a syntax error) says so here instead of staying silent.
              window.addEventListener("error", (e) => show("page error " + e.message), true);
            </script>
            <script type="module">
              import { connect } from "http://@GATEWAY@/bifrost.js";
              window.bifrost = connect(@TARGET@, {
                getToken: () => fetch("/api/bifrost-token").then((resp) => resp.json()).then((data) => data.token),
                onMessage: (event, data, { channel, id }) =>
                  show("message " + channel + " " + event + " " + JSON.stringify(data) + " @ " + id),
                onSubscribed: (channel, { recovered, missed }) =>
                  show("subscribed " + channel + " recovered:" + recovered + " missed:" + missed),
                onReset: (channel) => show("reset " + channel),
                onStatus: (status, detail) => show("status " + status + (detail.code === undefined ? "" : " " + detail.code)),
              });
            </script></body></html>
            """;
}
