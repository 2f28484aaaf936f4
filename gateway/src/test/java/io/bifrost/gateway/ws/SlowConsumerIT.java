package io.bifrost.gateway.ws;

import java.util.ArrayList;
import java.util.List;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.protocol.Json;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A socket that stops reading is closed with 4008 once its bounded queue overflows, while every other socket on the
 * channel goes on receiving every message. Bounded in count: the loop stops at the first broadcast the slow socket
 * no longer counts in, or fails after {@link #MAX_BROADCASTS}.
 */
class SlowConsumerIT {
    // Pings far apart: the stalled socket must be dropped for its queue, never for a ping timeout on a slow machine.
    private static final Limits QUIET = Limits.DEFAULTS.withSendQueueBytes(64 * 1024)
            .withPingInterval(java.time.Duration.ofMinutes(10));
    private static final int MAX_BROADCASTS = 3_000;
    private static final String PAYLOAD = "p".repeat(16 * 1024);

    @Test
    void socketThatStopsReadingIsClosedWith4008WhileAFastOneGetsEveryMessage() throws Exception {
        try (Gateway gateway = TestGateway.start(QUIET);
             WsClient fast = subscriber(gateway, "feed");
             WsClient slow = slowSubscriber(gateway, "feed")) {
            int sent = broadcastUntilOnly(gateway, 1, List.of(fast));
            assertEquals(1, gateway.stats().slowConsumers());
            // The slow client reads again: what was already in flight, then the close frame.
            assertEquals(new WsClient.Close(4008, "Slow consumer"), slow.awaitClose(WAIT));
            assertTrue(sent > 1, "the slow socket was counted in at least the first broadcast");
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}",
                    broadcast(gateway, "feed", "after", "close").body());
            assertEquals("{\"event\":\"after\",\"data\":\"close\"}", fast.nextText(WAIT));
            awaitNothingQueued(gateway);
        }
    }

    // The slow socket's dropped queue is taken off the backlog too: a leak would hold broadcasts back for good.
    private static void awaitNothingQueued(Gateway gateway) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (gateway.backlog().pending() != 0) {
            assertTrue(System.nanoTime() < deadline, gateway.backlog().describe());
            Thread.sleep(10);
        }
    }

    @Test
    void thousandSocketsOnOneChannelAllReceiveWhileOneStalledSocketIsDropped() throws Exception {
        List<WsClient> readers = new ArrayList<>();
        try (Gateway gateway = TestGateway.start(QUIET);
             WsClient slow = slowSubscriber(gateway, "crowd")) {
            try {
                for (int i = 0; i < 1_000; i++) {
                    readers.add(subscriber(gateway, "crowd"));
                }
                assertEquals("{\"message\":\"Success\",\"deliveries\":1001}",
                        broadcast(gateway, "crowd", "hello", "all").body());
                for (WsClient reader : readers) {
                    assertEquals("{\"event\":\"hello\",\"data\":\"all\"}", reader.nextText(WAIT));
                }
                broadcastUntilOnly(gateway, 1_000, readers);
                assertEquals(new WsClient.Close(4008, "Slow consumer"), slow.awaitClose(WAIT));
                assertEquals(1, gateway.stats().slowConsumers());
            } finally {
                readers.forEach(WsClient::close);
            }
        }
    }

    private static WsClient slowSubscriber(Gateway gateway, String channel) throws Exception {
        WsClient slow = subscriber(gateway, channel);
        // From here on the test reads nothing from it until the end: the kernel buffers fill, then its queue.
        return slow;
    }

    /**
     * Broadcasts big messages until the reply counts only {@code readers} sockets, each reader reading every
     * message as it comes. Returns how many broadcasts it took.
     */
    private static int broadcastUntilOnly(Gateway gateway, int expected, List<WsClient> readers) throws Exception {
        for (int i = 1; i <= MAX_BROADCASTS; i++) {
            TestGateway.Reply reply = broadcast(gateway, readers.size() > 1 ? "crowd" : "feed", "big", i + PAYLOAD);
            assertEquals(200, reply.status(), reply.body());
            long deliveries = ((Number) Json.parseObject(reply.body()).get("deliveries")).longValue();
            String expectedFrame = "{\"event\":\"big\",\"data\":\"" + i + PAYLOAD + "\"}";
            for (WsClient reader : readers) {
                assertEquals(expectedFrame, reader.nextText(WAIT));
            }
            if (deliveries == expected) {
                return i;
            }
        }
        throw new AssertionError("the stalled socket was still counted after " + MAX_BROADCASTS + " broadcasts");
    }
}
