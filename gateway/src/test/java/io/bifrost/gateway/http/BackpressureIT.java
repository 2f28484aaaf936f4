package io.bifrost.gateway.http;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.hub.Backlog;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.get;
import static io.bifrost.gateway.testkit.TestGateway.subscribed;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static io.bifrost.gateway.testkit.TestGateway.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backpressure on {@code POST /broadcast}: while more deliveries are queued on this instance's reading sockets than
 * {@code BIFROST_MAX_BACKLOG}, a broadcast to their channels waits, and gets 503 with {@code Retry-After} if the
 * backlog does not shrink in time; it is then never delivered. Sockets that stopped reading do not count.
 *
 * <p>The first two tests stand in for a load the machine cannot produce on cue by counting deliveries into the
 * gateway's own backlog; the third makes a real socket stall.
 */
class BackpressureIT {
    private static final Limits SMALL_BACKLOG = Limits.DEFAULTS.withMaxBacklog(10)
            .withBacklogWait(Duration.ofMillis(300));

    @Test
    void broadcastHeldBackPastItsWaitGets503WithRetryAfterAndIsNeverDelivered() throws Exception {
        try (Gateway gateway = TestGateway.start(SMALL_BACKLOG);
             WsClient reader = subscriber(gateway, "busy")) {
            queue(gateway.backlog(), 11);

            TestGateway.Reply held = broadcast(gateway, "busy", "held", "back");
            assertEquals(503, held.status(), held.body());
            assertEquals("1", held.retryAfter());
            assertEquals("{\"error\":\"this instance is behind: 11 deliveries are queued on its sockets (limit 10,"
                    + " BIFROST_MAX_BACKLOG); the broadcast was not sent, retry after 1 s\"}", held.body());
            assertEquals("{\"message\":\"Success\",\"deliveries\":0}",
                    broadcast(gateway, "quiet", "e", "d").body(), "a channel with no socket here is not held back");

            gateway.backlog().done(11);
            assertEquals(200, broadcast(gateway, "busy", "after", "catching up").status());
            assertEquals("{\"event\":\"after\",\"data\":\"catching up\"}", reader.nextText(WAIT),
                    "the refused broadcast never reached the socket");
            String metrics = get(gateway.uri(), "/metrics").body();
            assertTrue(metrics.contains("bifrost_broadcasts_refused_total{reason=\"backlog\"} 1.0\n"), metrics);
            assertTrue(metrics.contains("bifrost_broadcasts_held_total 1.0\n"), metrics);
        }
    }

    @Test
    void heldBroadcastGoesOutOnceTheBacklogShrinks() throws Exception {
        try (Gateway gateway = TestGateway.start(SMALL_BACKLOG.withBacklogWait(Duration.ofSeconds(20)));
             WsClient reader = subscriber(gateway, "busy")) {
            queue(gateway.backlog(), 11);
            CompletableFuture<TestGateway.Reply> reply = CompletableFuture.supplyAsync(
                    () -> broadcast(gateway, "busy", "waited", "its turn"));
            awaitHeld(gateway);

            gateway.backlog().done(11);
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}", reply.get(WAIT.toSeconds(), TimeUnit.SECONDS).body());
            assertEquals("{\"event\":\"waited\",\"data\":\"its turn\"}", reader.nextText(WAIT));
        }
    }

    @Test
    void socketThatStopsReadingDoesNotHoldBackBroadcasts() throws Exception {
        // A big send queue keeps the stalled socket open (no 4008) with far more frames than the backlog limit;
        // a one-second wait would fail the broadcasts if its frames were counted as the gateway's lag.
        Limits limits = Limits.DEFAULTS.withMaxBacklog(20).withBacklogWait(Duration.ofSeconds(1))
                .withSendQueueBytes(256L * 1024 * 1024);
        String payload = "s".repeat(32 * 1024);
        try (Gateway gateway = TestGateway.start(limits);
             WsClient reader = subscriber(gateway, "feed");
             WsClient stalled = WsClient.connect(gateway.uri(), 4096)) {
            stalled.authenticate(tokens().subscribeToken(List.of("feed"), Duration.ofMinutes(1)));
            assertEquals(subscribed("feed"), stalled.nextText(WAIT));
            // From here on nothing is read from `stalled`: loopback buffers take a few MB, then its writes block.
            for (int i = 0; i < 300; i++) {
                TestGateway.Reply reply = broadcast(gateway, "feed", "big", i + payload);
                assertEquals("{\"message\":\"Success\",\"deliveries\":2}", reply.body(), "broadcast " + i);
                assertEquals("{\"event\":\"big\",\"data\":\"" + i + payload + "\"}", reader.nextText(WAIT));
            }
            String metrics = get(gateway.uri(), "/metrics").body();
            long stalledFrames = gauge(metrics, "bifrost_backlog_stalled_deliveries");
            assertTrue(stalledFrames > 20, "the stalled socket holds more than the limit, uncounted: " + metrics);
            assertEquals(0, gateway.stats().slowConsumers());
        }
    }

    private static void queue(Backlog backlog, int deliveries) {
        for (int i = 0; i < deliveries; i++) {
            backlog.queued();
        }
    }

    private static void awaitHeld(Gateway gateway) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (gateway.stats().broadcastsHeld() == 0) {
            assertTrue(System.nanoTime() < deadline, "the broadcast was never held back");
            Thread.sleep(10);
        }
    }

    private static long gauge(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ")).mapToLong(l -> (long) Double.parseDouble(l.substring(
                name.length() + 1).trim())).findFirst().orElseThrow(() -> new AssertionError(name + " missing"));
    }
}
