package io.bifrost.it.edge;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bifrost.it.edge.Edge.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 1, descriptor exhaustion: an anonymous client that opens more connections than the process has
 * descriptors for must not kill the listener. Under {@code ulimit -n 1024} the gateway serves at most 880
 * connections (1024 - 128 kept back - 16 headroom), refuses upgrades beyond that with 503 + Retry-After, keeps
 * further connections waiting in the backlog, and serves again, without a restart, once the flood is gone.
 */
class ConnectionLimitIT {
    private static final int OPEN_FILE_LIMIT = 1024;
    /** The spec's default for that limit: hardCap 1024 - 128 = 896, headroom 16, max 880. */
    private static final int DEFAULT_MAX = 880;
    private static final int FLOOD = 1200;

    @Test
    void floodBeyondTheOpenFileLimitIsRefusedCleanlyAndTheGatewayServesAgainAfterIt(@TempDir Path dir)
            throws Exception {
        // Long header, authentication and ping timeouts: the flood, and the sockets it upgrades (which never read a
        // ping), stay until the test releases them, however slow the machine; a socket closed meanwhile would free a
        // slot for one more upgrade.
        try (GatewayProcess gateway = GatewayProcess.start(Edge.production("BIFROST_HTTP_HEADER_TIMEOUT_SECONDS",
                "60", "BIFROST_AUTH_TIMEOUT_SECONDS", "300", "BIFROST_PING_INTERVAL_SECONDS", "50"), dir,
                OPEN_FILE_LIMIT)) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", gateway.uri().getPort());
            List<Socket> flood = new ArrayList<>(FLOOD);
            try {
                // 1. Idle connections, more than the process has descriptors for: the last ones wait in the backlog.
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (flood.size() < FLOOD && System.nanoTime() < deadline) {
                    Socket socket = new Socket();
                    flood.add(socket);
                    try {
                        socket.connect(address, 5_000);
                    } catch (IOException e) {
                        throw new AssertionError("connection " + flood.size() + " of the flood failed (" + e
                                + "): the listener must keep accepting, or keep connections waiting in the backlog:\n"
                                + tail(gateway));
                    }
                }
                assertTrue(gateway.process().isAlive(), "the gateway died under the flood:\n" + tail(gateway));

                // 2. While full, one more websocket upgrade: it waits in the backlog or gets 503 + Retry-After.
                try (Socket probe = new Socket()) {
                    probe.connect(address, 5_000);
                    probe.getOutputStream().write(upgradeHead(gateway.uri()));
                    RawHttp.Exchange whileFull = RawHttp.readUntilClosed(probe, Duration.ofSeconds(2));
                    if (whileFull.bytes().length == 0) {
                        assertFalse(whileFull.closed(), "an upgrade while full was closed without an answer");
                    } else {
                        assertRefusedAtTheLimit(whileFull.responses().getFirst());
                    }
                }

                // 3. Every flooding connection now asks for an upgrade: those within the limit are upgraded, every
                //    other one (over the limit when accepted, or taken from the backlog later) gets 503.
                for (Socket socket : flood) {
                    socket.getOutputStream().write(upgradeHead(gateway.uri()));
                }
                Map<Integer, Integer> answers = new TreeMap<>();
                long answerDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                for (Socket socket : flood) {
                    long left = Math.max(1, (answerDeadline - System.nanoTime()) / 1_000_000);
                    RawHttp.Response answer = RawHttp.readResponse(socket, Duration.ofMillis(Math.min(left, 10_000)));
                    answers.merge(answer.status(), 1, Integer::sum);
                    if (answer.status() != 101) {
                        assertRefusedAtTheLimit(answer);
                    }
                }
                assertEquals(FLOOD, answers.getOrDefault(101, 0) + answers.getOrDefault(503, 0),
                        "answers by status: " + answers);
                assertTrue(answers.getOrDefault(101, 0) <= DEFAULT_MAX, "more upgraded than the limit: " + answers);
                assertTrue(answers.getOrDefault(503, 0) >= FLOOD - DEFAULT_MAX, "answers by status: " + answers);
            } finally {
                // 4. The flood ends.
                for (Socket socket : flood) {
                    socket.close();
                }
            }

            // 5. Served again without a restart.
            RawHttp.Response live = RawHttp.answer(gateway.uri(),
                    "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", WAIT);
            assertEquals(200, live.status(), live.toString());
            try (WsClient subscriber = TestGateway.subscriber(gateway.uri(), "after-the-flood")) {
                Edge.broadcast(gateway.uri(), "after-the-flood", "back", "again");
                assertEquals("{\"event\":\"back\",\"data\":\"again\"}", subscriber.nextText(WAIT));
            }
            assertFalse(gateway.log().contains("terminating"), "the listener died:\n" + tail(gateway));
            assertEquals(DEFAULT_MAX, Edge.metric(gateway.uri(), "bifrost_connections_limit"));
            assertTrue(Edge.metric(gateway.uri(), "bifrost_connections_refused_total{reason=\"limit\"}") > 0);
        }
    }

    @Test
    void upgradeOverAnExplicitLimitGets503AtOnceAndPlainRequestsAreAnsweredThenClosed(@TempDir Path dir)
            throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(Edge.production("BIFROST_MAX_CONNECTIONS", "50"), dir)) {
            List<RawWebSocket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    held.add(RawWebSocket.open(gateway.uri()));
                }

                RawHttp.Exchange refused = RawHttp.exchange(gateway.uri(),
                        RawWebSocket.Upgrade.standard(gateway.uri()).head(), Edge.ANSWER);
                assertRefusedAtTheLimit(refused.only());
                assertTrue(refused.closed(), "the refused connection must be closed:\n" + refused.text());

                RawHttp.Exchange plain = RawHttp.exchange(gateway.uri(),
                        "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", Edge.ANSWER);
                assertEquals(200, plain.only().status(), plain.text());
                assertTrue(plain.closed(), "over the limit, a plain request is answered and its connection closed:\n"
                        + plain.text());

                assertEquals(50, Edge.metric(gateway.uri(), "bifrost_connections_limit"));
                assertTrue(Edge.metric(gateway.uri(), "bifrost_connections_refused_total{reason=\"limit\"}") >= 1);
                assertTrue(gateway.log().lines().anyMatch(l -> l.contains(" WARNING ") && l.contains("limit")),
                        "reaching the limit must be logged as a WARNING:\n" + tail(gateway));
            } finally {
                held.forEach(RawWebSocket::close);
            }
        }
    }

    private static void assertRefusedAtTheLimit(RawHttp.Response answer) {
        assertEquals(503, answer.status(), answer.toString());
        assertEquals("1", answer.header("Retry-After").orElse(""), answer.toString());
        assertEquals("application/json", answer.header("Content-Type").orElse(""), answer.toString());
        assertTrue(answer.body().startsWith("{\"error\":\"this instance is at its connection limit"), answer.body());
        assertTrue(answer.body().endsWith("retry after 1 s\"}"), answer.body());
    }

    private static byte[] upgradeHead(URI base) {
        return RawWebSocket.Upgrade.standard(base).head().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String tail(GatewayProcess gateway) throws IOException {
        List<String> lines = gateway.log().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
