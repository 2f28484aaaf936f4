package io.bifrost.it.edge;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.bifrost.it.edge.Edge.WAIT;
import static io.bifrost.it.edge.RawWebSocket.CLOSE;
import static io.bifrost.it.edge.RawWebSocket.CONTINUATION;
import static io.bifrost.it.edge.RawWebSocket.PING;
import static io.bifrost.it.edge.RawWebSocket.TEXT;
import static io.bifrost.it.edge.RawWebSocket.closePayload;
import static io.bifrost.it.edge.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 7, RFC 6455 leniency: every frame a client must not send ends the socket with the code the RFC names
 * (1002 protocol error, 1007 invalid UTF-8) and a fixed reason, after which nothing else is sent; handshakes the RFC
 * does not allow are not upgraded. What the RFC allows (capitalised Upgrade token, valid close codes, a character
 * split across fragments) still works.
 */
class WebSocketProtocolIT {
    private static final byte[] PING_EVENT = "{\"event\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
    private static final String PONG_EVENT = "{\"event\":\"pong\"}";

    private static GatewayProcess gateway;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        gateway = GatewayProcess.start(Edge.production(), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    // ---- frames ----

    @Test
    void unmaskedFrameClosesWith1002() throws Exception {
        assertClosedAfter(frame(0x80 | TEXT, PING_EVENT, false), 1002, "Protocol error");
    }

    @ParameterizedTest(name = "first byte bit 0x{0}")
    @ValueSource(ints = {0x40, 0x20, 0x10})
    void reservedBitClosesWith1002(int rsv) throws Exception {
        assertClosedAfter(frame(0x80 | rsv | TEXT, PING_EVENT, true), 1002, "Protocol error");
    }

    @ParameterizedTest(name = "opcode {0}")
    @ValueSource(ints = {0x4, 0x7, 0xC, 0xF})
    void reservedOpcodeClosesWith1002(int opcode) throws Exception {
        assertClosedAfter(frame(true, opcode, "x".getBytes(StandardCharsets.UTF_8)), 1002, "Protocol error");
    }

    @Test
    void fragmentedPingClosesWith1002() throws Exception {
        assertClosedAfter(frame(false, PING, "x".getBytes(StandardCharsets.UTF_8)), 1002, "Protocol error");
    }

    @Test
    void newTextFrameInsideAFragmentedMessageClosesWith1002() throws Exception {
        assertClosedAfter(concat(frame(false, TEXT, "{\"event\":".getBytes(StandardCharsets.UTF_8)),
                frame(true, TEXT, "\"ping\"}".getBytes(StandardCharsets.UTF_8))), 1002, "Protocol error");
    }

    @Test
    void continuationWithNoMessageStartedClosesWith1002() throws Exception {
        assertClosedAfter(frame(true, CONTINUATION, PING_EVENT), 1002, "Protocol error");
    }

    @Test
    void sixtyFourBitLengthWithTheTopBitSetClosesWith1002() throws Exception {
        byte[] lying = {(byte) (0x80 | TEXT), (byte) (0x80 | 127), (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
        assertClosedAfter(lying, 1002, "Protocol error");
    }

    @ParameterizedTest(name = "close code {0}")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
    void closeCodeInvalidOnTheWireClosesWith1002(int code) throws Exception {
        assertClosedAfter(frame(true, CLOSE, closePayload(code, "bye")), 1002, "Protocol error");
    }

    @ParameterizedTest(name = "close code {0}")
    @ValueSource(ints = {1000, 1001, 3000, 4999})
    void validCloseCodeIsEchoed(int code) throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri())) {
            ws.send(frame(true, CLOSE, closePayload(code, "bye")));
            RawWebSocket.Closed closed = ws.awaitClose(WAIT);
            assertEquals(code, closed.code(), closed.toString());
            assertTrue(closed.ended(), "the connection must end after the close handshake");
            assertEquals("", closed.after());
        }
    }

    @Test
    void emptyCloseIsAnsweredWith1000() throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri())) {
            ws.send(frame(true, CLOSE, new byte[0]));
            RawWebSocket.Closed closed = ws.awaitClose(WAIT);
            assertEquals(1000, closed.code(), closed.toString());
            assertTrue(closed.ended(), "the connection must end after the close handshake");
        }
    }

    @Test
    void invalidUtf8TextClosesWith1007() throws Exception {
        byte[] text = concat("{\"event\":\"ping\",\"x\":\"".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xC3, 0x28}, "\"}".getBytes(StandardCharsets.UTF_8));
        assertClosedAfter(frame(true, TEXT, text), 1007, "Invalid UTF-8");
    }

    @Test
    void invalidUtf8SplitAcrossFragmentsClosesWith1007() throws Exception {
        // E2 82 starts a three-byte character; 28 cannot continue it.
        byte[] first = concat("{\"event\":\"ping\",\"x\":\"".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xE2, (byte) 0x82});
        byte[] second = concat(new byte[] {0x28}, "\"}".getBytes(StandardCharsets.UTF_8));
        assertClosedAfter(concat(frame(false, TEXT, first), frame(true, CONTINUATION, second)), 1007,
                "Invalid UTF-8");
    }

    @Test
    void invalidUtf8InACloseReasonClosesWith1007() throws Exception {
        byte[] payload = concat(closePayload(1000, ""), new byte[] {(byte) 0xFF, (byte) 0xFE});
        assertClosedAfter(frame(true, CLOSE, payload), 1007, "Invalid UTF-8");
    }

    @Test
    void characterSplitAcrossFragmentsIsAcceptedWhole() throws Exception {
        // "€" is E2 82 AC: the fragment boundary falls inside it, which the RFC allows.
        byte[] first = concat("{\"event\":\"ping\",\"x\":\"".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xE2, (byte) 0x82});
        byte[] second = concat(new byte[] {(byte) 0xAC}, "\"}".getBytes(StandardCharsets.UTF_8));
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri())) {
            ws.send(concat(frame(false, TEXT, first), frame(true, CONTINUATION, second)));
            assertEquals(PONG_EVENT, ws.nextText(WAIT));
        }
    }

    // ---- handshake ----

    @Test
    void versionOtherThan13Gets426Naming13() throws Exception {
        RawHttp.Response answer = refusedUpgrade(RawWebSocket.Upgrade.standard(gateway.uri())
                .with("Sec-WebSocket-Version", "8"));
        assertEquals(426, answer.status(), answer.toString());
        assertEquals("13", answer.header("Sec-WebSocket-Version").orElse(""), answer.toString());
    }

    @Test
    void postWithUpgradeHeadersIsNotUpgradedAndGets405() throws Exception {
        RawHttp.Response answer = refusedUpgrade(RawWebSocket.Upgrade.standard(gateway.uri()).method("POST"));
        assertEquals(405, answer.status(), answer.toString());
        assertEquals("GET", answer.header("Allow").orElse(""), answer.toString());
    }

    @ParameterizedTest(name = "Sec-WebSocket-Key: \"{0}\"")
    @ValueSource(strings = {"abc", "AAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "!!!!!!!!!!!!!!!!!!!!!!=="})
    void malformedKeyGets400(String key) throws Exception {
        RawHttp.Response answer = refusedUpgrade(RawWebSocket.Upgrade.standard(gateway.uri())
                .with("Sec-WebSocket-Key", key));
        assertEquals(400, answer.status(), answer.toString());
    }

    @Test
    void missingKeyGets400() throws Exception {
        RawHttp.Response answer = refusedUpgrade(RawWebSocket.Upgrade.standard(gateway.uri())
                .without("Sec-WebSocket-Key"));
        assertEquals(400, answer.status(), answer.toString());
    }

    @Test
    void missingConnectionUpgradeGets400() throws Exception {
        RawHttp.Response answer = refusedUpgrade(RawWebSocket.Upgrade.standard(gateway.uri())
                .without("Connection"));
        assertEquals(400, answer.status(), answer.toString());
    }

    @ParameterizedTest(name = "Upgrade: {0}")
    @ValueSource(strings = {"websocket", "WebSocket", "WEBSOCKET"})
    void upgradeTokenMatchesInAnyCase(String token) throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri(), RawWebSocket.Upgrade.standard(gateway.uri())
                .with("Upgrade", token))) {
            ws.sendText("{\"event\":\"ping\"}");
            assertEquals(PONG_EVENT, ws.nextText(WAIT));
        }
    }

    @Test
    void connectionHeaderListingKeepAliveAndUpgradeIsUpgraded() throws Exception {
        // What Firefox sends.
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri(), RawWebSocket.Upgrade.standard(gateway.uri())
                .with("Connection", "keep-alive, Upgrade"))) {
            ws.sendText("{\"event\":\"ping\"}");
            assertEquals(PONG_EVENT, ws.nextText(WAIT));
        }
    }

    private static RawHttp.Response refusedUpgrade(RawWebSocket.Upgrade upgrade) throws Exception {
        RawHttp.Response answer = RawHttp.answer(gateway.uri(), upgrade.head(), WAIT);
        assertFalse(answer.status() == 101, "upgraded:\n" + answer);
        Edge.assertNoInternalText("refused upgrade", answer.body());
        return answer;
    }

    private static void assertClosedAfter(byte[] bytes, int code, String reason) throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri())) {
            ws.send(bytes);
            RawWebSocket.Closed closed = ws.awaitClose(Edge.ANSWER);
            assertFalse(ws.receivedText().contains("HTTP/1."), "HTTP bytes in the websocket stream:\n"
                    + ws.receivedText());
            assertEquals(new RawWebSocket.Closed(code, reason, true, ""), closed);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            joined.writeBytes(part);
        }
        return joined.toByteArray();
    }
}
