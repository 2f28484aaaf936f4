package io.bifrost.it.edge;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.bifrost.it.GatewayProcess;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.it.redis.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.bifrost.it.edge.Edge.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 4, log and metric amplification: what one client or one publisher does over and over costs the operator's
 * log one line, not one line per attempt. A socket that floods pings without reading is closed, logged and counted
 * once; a Redis outage under 2,000 refused broadcasts logs a WARNING or two, not 2,000.
 */
class AmplificationIT {
    /** Ping frames with 125-byte payloads: 12.5 MB of pongs asked for. */
    private static final int PING_FRAMES = 100_000;
    /**
     * Ping events: each pong event is 18 bytes, so 100,000 of them (1.8 MB) fit in the kernel's send buffer (up to
     * 4 MB) and the queue; 400,000 (7.2 MB) do not.
     */
    private static final int PING_EVENTS = 400_000;

    private static GatewayProcess gateway;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        // The default send queue (1 MiB), as the finding was made; a short close timeout, so the flooding socket is
        // cut within seconds.
        gateway = GatewayProcess.start(Edge.production("BIFROST_CLOSE_TIMEOUT_SECONDS", "2"), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ping frames", "ping events"})
    void socketFloodingPingsWithoutReadingIsClosedLoggedAndCountedOnce(String kind) throws Exception {
        double closesBefore = Edge.metric(gateway.uri(), "bifrost_slow_consumer_closes_total");
        long linesBefore = slowConsumerLines();
        boolean frames = kind.equals("ping frames");
        byte[] ping = frames
                ? RawWebSocket.frame(true, RawWebSocket.PING, new byte[125])
                : RawWebSocket.frame(true, RawWebSocket.TEXT, "{\"event\":\"ping\"}".getBytes(StandardCharsets.UTF_8));

        try (RawWebSocket ws = RawWebSocket.open(gateway.uri(), RawWebSocket.Upgrade.standard(gateway.uri()), 4096)) {
            flood(ws, ping, frames ? PING_FRAMES : PING_EVENTS);
            // Now read: the gateway has closed the socket, with 4008 if the close frame got through, else by cutting
            // the connection after the close timeout (a socket that does not read may never see the frame).
            RawWebSocket.Closed closed = ws.awaitClose(WAIT);
            assertTrue(closed.code() == 4008 || closed.code() == RawWebSocket.NO_CLOSE_FRAME, closed.toString());
            assertTrue(closed.ended(), "the gateway must end the connection of a slow consumer");
        }

        // One line at most for the socket; none when another socket's line was written within the minute (the line is
        // rate-limited across sockets, since a client can make many of them slow), and then the count carries it.
        long lines = slowConsumerLines() - linesBefore;
        assertTrue(lines == 1 || lines == 0 && linesBefore > 0, "slow consumer lines for one socket: " + lines + "\n"
                + String.join("\n", Edge.linesContaining(gateway.log(), "slow consumer").stream().limit(5).toList()));
        assertEquals(closesBefore + 1, Edge.metric(gateway.uri(), "bifrost_slow_consumer_closes_total"));
    }

    @Test
    void redisOutageUnder2000RefusedBroadcastsLogsAFewWarningsNotOnePerBroadcast(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServers.start(RedisServers.Kind.PROCESS, RedisServers.Tls.NONE);
             GatewayProcess clustered = GatewayProcess.start(Edge.production("REDIS_URL", redis.url()),
                     Files.createDirectories(dir.resolve("gateway")));
             HttpClient http = HttpClient.newHttpClient()) {
            redis.stop();
            awaitNotReady(http, clustered);
            int logBefore = clustered.log().length();

            String body = Edge.broadcastBody("outage", "e", "d");
            for (int i = 0; i < 2000; i++) {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(clustered.uri().resolve("/broadcast"))
                        .header("Content-Type", "application/json").timeout(WAIT)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(503, answer.statusCode(), answer.body());
            }

            List<String> warnings = clustered.log().substring(logBefore).lines()
                    .filter(l -> l.contains(" WARNING ")).toList();
            List<String> aboutBroadcasts = warnings.stream().filter(l -> l.toLowerCase().contains("broadcast")).toList();
            assertTrue(aboutBroadcasts.size() <= 2, aboutBroadcasts.size() + " WARNING lines about refused broadcasts:\n"
                    + String.join("\n", aboutBroadcasts.stream().limit(5).toList()));
            assertTrue(warnings.size() <= 10, warnings.size() + " WARNING lines during the outage:\n"
                    + String.join("\n", warnings.stream().limit(10).toList()));
        }
    }

    // Writes the pings from another thread, so a gateway that stops reading cannot block the test past its bound.
    private static void flood(RawWebSocket ws, byte[] ping, int count) throws Exception {
        byte[] batch = new byte[ping.length * 1000];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(ping, 0, batch, i * ping.length, ping.length);
        }
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            Future<?> done = writer.submit(() -> {
                for (int i = 0; i < count / 1000; i++) {
                    try {
                        ws.send(batch);
                    } catch (IOException e) {
                        return; // the gateway cut the connection: enough was sent
                    }
                }
            });
            try {
                done.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                // The gateway stopped reading and did not cut the connection; reading below shows what it did.
            }
        } finally {
            writer.shutdownNow();
        }
    }

    private static long slowConsumerLines() throws IOException {
        return Edge.linesContaining(gateway.log(), "slow consumer").size();
    }

    // The outage must be noticed before the broadcasts: readiness turns 503 within a few heartbeats.
    private static void awaitNotReady(HttpClient http, GatewayProcess clustered) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(clustered.uri().resolve("/health/ready"))
                    .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
            if (ready.statusCode() == 503) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("/health/ready still 200 " + WAIT + " after Redis stopped:\n" + clustered.log());
    }
}
