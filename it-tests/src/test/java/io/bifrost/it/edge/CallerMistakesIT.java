package io.bifrost.it.edge;

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
import static io.bifrost.it.edge.Edge.assertNoInternalText;
import static io.bifrost.it.edge.RawWebSocket.CLOSE;
import static io.bifrost.it.edge.RawWebSocket.PING;
import static io.bifrost.it.edge.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 6: a caller's mistake is never a 500, a 1011 or a leak. Hostile JSON (nested 1,000 deep, a 1,100-digit
 * number) gets our 400 or our error event; frames the protocol forbids get 1002 and nothing else, never raw HTTP
 * bytes in the websocket stream; no answer or close reason shows exception names or stack frames.
 */
class CallerMistakesIT {
    private static final String DEEP = "[".repeat(1000) + "]".repeat(1000);
    private static final String LONG_NUMBER = "1".repeat(1100);

    private static GatewayProcess gateway;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        gateway = GatewayProcess.start(Edge.production(), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void broadcastBodyNested1000DeepGetsOur400() throws Exception {
        assertBroadcastBodyRefused("{\"token\":\"x\",\"deep\":" + DEEP + "}");
    }

    @Test
    void broadcastBodyWithA1100DigitNumberGetsOur400() throws Exception {
        assertBroadcastBodyRefused("{\"token\":\"x\",\"n\":" + LONG_NUMBER + "}");
    }

    @ParameterizedTest(name = "claims {0}")
    @ValueSource(strings = {"deep", "long number"})
    void signedTokenWithHostileClaimsGets400(String which) throws Exception {
        String hostile = which.equals("deep") ? DEEP : LONG_NUMBER;
        String token = HandMadeJwt.hs512("{\"channel\":\"c\",\"message\":{\"event\":\"e\"},\"x\":" + hostile + "}");
        RawHttp.Response answer = RawHttp.answer(gateway.uri(), Edge.post("/broadcast", "{\"token\":\"" + token
                + "\"}", ""), WAIT);
        assertEquals(400, answer.status(), answer.toString());
        assertTrue(answer.body().startsWith("{\"error\":"), answer.body());
        assertNoInternalText("answer", answer.body());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"deep", "long number"})
    void hostileJsonInAFrameGetsAnErrorEventAndTheSocketStaysOpen(String which) throws Exception {
        String hostile = which.equals("deep") ? DEEP : LONG_NUMBER;
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri())) {
            ws.sendText("{\"event\":\"ping\",\"x\":" + hostile + "}");
            String error = ws.nextText(WAIT);
            assertTrue(error.startsWith("{\"event\":\"error\",\"data\":"), error);
            assertNoInternalText("error event", error);
            ws.sendText("{\"event\":\"ping\"}");
            assertEquals("{\"event\":\"pong\"}", ws.nextText(WAIT));
        }
    }

    @ParameterizedTest(name = "opcode {0}")
    @ValueSource(ints = {0x3, 0xB})
    void reservedOpcodeClosesWith1002AndNoHttpBytes(int opcode) throws Exception {
        assertProtocolError(frame(true, opcode, "x".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void pingWithA126BytePayloadClosesWith1002() throws Exception {
        assertProtocolError(frame(true, PING, new byte[126]));
    }

    @Test
    void closeFrameWithAOneBytePayloadClosesWith1002() throws Exception {
        assertProtocolError(frame(true, CLOSE, new byte[] {3}));
    }

    private static void assertBroadcastBodyRefused(String body) throws Exception {
        RawHttp.Response answer = RawHttp.answer(gateway.uri(), Edge.post("/broadcast", body, ""), WAIT);
        assertEquals(400, answer.status(), answer.toString());
        assertEquals("application/json", answer.header("Content-Type").orElse(""), answer.toString());
        assertTrue(answer.body().startsWith("{\"error\":\"body is "), answer.body());
        assertNoInternalText("answer", answer.body());
    }

    private static void assertProtocolError(byte[] bytes) throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri())) {
            ws.send(bytes);
            RawWebSocket.Closed closed = ws.awaitClose(Edge.ANSWER);
            assertFalse(ws.receivedText().contains("HTTP/1."), "HTTP bytes in the websocket stream:\n"
                    + ws.receivedText());
            assertNoInternalText("close reason", closed.reason());
            assertEquals(new RawWebSocket.Closed(1002, "Protocol error", true, ""), closed);
        }
    }
}
