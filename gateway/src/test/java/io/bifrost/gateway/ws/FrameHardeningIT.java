package io.bifrost.gateway.ws;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad frames get a clear answer and disturb nobody else: after each one, a bystander socket on the same gateway
 * still receives a broadcast.
 */
class FrameHardeningIT {
    private static final int FRAME_LIMIT = 1024;
    private static Gateway gateway;

    @BeforeAll
    static void start() {
        gateway = TestGateway.start(Limits.DEFAULTS.withMaxFrameBytes(FRAME_LIMIT));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void nonJsonTextGetsAnErrorEventAndTheSocketStaysUsable() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            client.sendText("hello");
            String error = client.nextText(WAIT);
            assertTrue(error.startsWith("{\"event\":\"error\",\"data\":\"{\\\"error\\\":\\\"frame is not valid JSON"),
                    error);
            client.sendText("{\"event\":\"ping\"}");
            assertEquals("{\"event\":\"pong\"}", client.nextText(WAIT));
        }
        assertBystanderStillServed();
    }

    @Test
    void frameWithoutEventGetsAnErrorEventNamingWhatToSend() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            client.sendText("{\"data\":\"x\"}");
            assertEquals("{\"event\":\"error\",\"data\":\"{\\\"error\\\":\\\"frame has no \\\\\\\"event\\\\\\\"; send"
                    + " {\\\\\\\"event\\\\\\\":\\\\\\\"authenticate\\\\\\\",\\\\\\\"data\\\\\\\":\\\\\\\"<token>\\\\\\\"}"
                    + " or {\\\\\\\"event\\\\\\\":\\\\\\\"ping\\\\\\\"}\\\"}\"}", client.nextText(WAIT));
        }
        assertBystanderStillServed();
    }

    @Test
    void jsonArrayFrameGetsAnErrorEvent() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            client.sendText("[1,2]");
            assertEquals("{\"event\":\"error\",\"data\":\"{\\\"error\\\":\\\"frame is not a JSON object but an array\\\"}\"}",
                    client.nextText(WAIT));
        }
    }

    @Test
    void unknownEventGetsAnErrorEvent() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            client.sendText("{\"event\":\"unsubscribe\"}");
            assertEquals("{\"event\":\"error\",\"data\":\"{\\\"error\\\":\\\"unknown event \\\\\\\"unsubscribe\\\\\\\";"
                    + " this server understands authenticate and ping\\\"}\"}", client.nextText(WAIT));
        }
    }

    @Test
    void binaryFrameClosesWith1003() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            client.sendFrame(0x2, new byte[] {1, 2, 3}, true);
            assertEquals(new WsClient.Close(1003, "Binary frames are not supported"), client.awaitClose(WAIT));
        }
        assertBystanderStillServed();
    }

    @Test
    void frameOverTheLimitClosesWith1009() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            client.sendText("{\"event\":\"ping\",\"pad\":\"" + "x".repeat(FRAME_LIMIT) + "\"}");
            assertEquals(1009, client.awaitClose(WAIT).code());
        }
        assertBystanderStillServed();
    }

    @Test
    void fragmentedMessageOverTheLimitClosesWith1009() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            byte[] half = "x".repeat(FRAME_LIMIT * 3 / 4).getBytes(StandardCharsets.UTF_8);
            client.sendFrame(0x1, half, false);
            client.sendFrame(0x0, half, true);
            assertEquals(new WsClient.Close(1009, "Frame too large"), client.awaitClose(WAIT));
        }
        assertBystanderStillServed();
    }

    @Test
    void fragmentedMessageWithinTheLimitIsHandledWhole() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            client.sendFrame(0x1, "{\"event\":".getBytes(StandardCharsets.UTF_8), false);
            client.sendFrame(0x0, "\"ping\"}".getBytes(StandardCharsets.UTF_8), true);
            assertEquals("{\"event\":\"pong\"}", client.nextText(WAIT));
        }
    }

    @Test
    void clientPingFrameIsAnsweredWithPongEchoingItsPayload() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            client.sendFrame(0x9, new byte[] {7, 8, 9}, true);
            WsClient.Frame pong = client.nextPong(WAIT);
            assertEquals(3, pong.payload().length);
            assertEquals(9, pong.payload()[2]);
        }
    }

    @Test
    void socketsClosedByBadFramesDropOutOfTheConnectedCount() throws Exception {
        // A gateway of its own: sockets of the other tests may still be closing on the shared one.
        try (Gateway own = TestGateway.start(Limits.DEFAULTS.withMaxFrameBytes(FRAME_LIMIT));
             WsClient client = WsClient.connect(own.uri())) {
            awaitConnected(own, 1);
            client.sendText("{\"event\":\"ping\",\"pad\":\"" + "x".repeat(FRAME_LIMIT) + "\"}");
            assertEquals(1009, client.awaitClose(WAIT).code());
            // Helidon ends such a connection without an onClose callback; the maintenance loop must notice.
            awaitConnected(own, 0);
        }
    }

    private static void assertBystanderStillServed() throws Exception {
        try (WsClient bystander = subscriber(gateway, "bystander")) {
            assertEquals(200, broadcast(gateway, "bystander", "still", "here").status());
            assertEquals("{\"event\":\"still\",\"data\":\"here\"}", bystander.nextText(WAIT));
        }
    }

    private static void awaitConnected(Gateway target, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (target.connected() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(expected, target.connected());
    }
}
