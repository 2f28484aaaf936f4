package io.bifrost.protocol;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientFrameTest {
    private static final String NO_EVENT =
            "frame has no \"event\"; send {\"event\":\"authenticate\",\"data\":\"<token>\"} or {\"event\":\"ping\"}";

    @Test
    void authenticateCarriesTheToken() throws Exception {
        assertEquals(new ClientFrame.Authenticate("aaa.bbb.ccc"),
                ClientFrame.decode("{\"event\":\"authenticate\",\"data\":\"aaa.bbb.ccc\"}"));
    }

    @Test
    void authenticateWithoutDataHasAnEmptyToken() throws Exception {
        assertEquals(new ClientFrame.Authenticate(""), ClientFrame.decode("{\"event\":\"authenticate\"}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "5", "true", "[\"a.b.c\"]", "{\"token\":\"a.b.c\"}"})
    void authenticateWithNonStringDataHasAnEmptyToken(String data) throws Exception {
        assertEquals(new ClientFrame.Authenticate(""),
                ClientFrame.decode("{\"event\":\"authenticate\",\"data\":" + data + "}"));
    }

    @Test
    void pingIsAPing() throws Exception {
        assertEquals(new ClientFrame.Ping(), ClientFrame.decode("{\"event\":\"ping\"}"));
        assertEquals(new ClientFrame.Ping(), ClientFrame.decode("{\"data\":\"ignored\",\"event\":\"ping\"}"));
    }

    @Test
    void otherEventsAreUnknown() throws Exception {
        assertEquals(new ClientFrame.Unknown("subscribe"), ClientFrame.decode("{\"event\":\"subscribe\",\"data\":\"x\"}"));
        assertEquals(new ClientFrame.Unknown("Ping"), ClientFrame.decode("{\"event\":\"Ping\"}"));
        assertEquals(new ClientFrame.Unknown(""), ClientFrame.decode("{\"event\":\"\"}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "hello", "ping", "{\"event\":\"ping\"", "{event:\"ping\"}", "{\"event\":\"ping\"} x",
            "{\"event\":\"ping\"}{\"event\":\"ping\"}"})
    void nonJsonIsRefused(String text) {
        InvalidFrameException e = assertThrows(InvalidFrameException.class, () -> ClientFrame.decode(text));
        assertTrue(e.getMessage().startsWith("frame is not valid JSON: "), e.getMessage());
    }

    @Test
    void nonObjectsAreRefusedByName() {
        assertEquals("frame is not a JSON object but an array",
                assertThrows(InvalidFrameException.class, () -> ClientFrame.decode("[{\"event\":\"ping\"}]")).getMessage());
        assertEquals("frame is not a JSON object but a string",
                assertThrows(InvalidFrameException.class, () -> ClientFrame.decode("\"ping\"")).getMessage());
        assertEquals("frame is not a JSON object but a number",
                assertThrows(InvalidFrameException.class, () -> ClientFrame.decode("42")).getMessage());
        assertEquals("frame is not a JSON object but null",
                assertThrows(InvalidFrameException.class, () -> ClientFrame.decode("null")).getMessage());
    }

    @Test
    void missingEventIsRefusedWithWhatToSend() {
        assertEquals(NO_EVENT, assertThrows(InvalidFrameException.class, () -> ClientFrame.decode("{}")).getMessage());
        assertEquals(NO_EVENT, assertThrows(InvalidFrameException.class,
                () -> ClientFrame.decode("{\"data\":\"a.b.c\"}")).getMessage());
        assertEquals(NO_EVENT, assertThrows(InvalidFrameException.class,
                () -> ClientFrame.decode("{\"event\":null}")).getMessage());
    }

    @Test
    void nonStringEventIsRefusedByType() {
        assertEquals("frame's \"event\" is a number, expected a string",
                assertThrows(InvalidFrameException.class, () -> ClientFrame.decode("{\"event\":1}")).getMessage());
        assertEquals("frame's \"event\" is a boolean, expected a string",
                assertThrows(InvalidFrameException.class, () -> ClientFrame.decode("{\"event\":true}")).getMessage());
        assertEquals("frame's \"event\" is an array, expected a string",
                assertThrows(InvalidFrameException.class, () -> ClientFrame.decode("{\"event\":[\"ping\"]}")).getMessage());
        assertEquals("frame's \"event\" is an object, expected a string",
                assertThrows(InvalidFrameException.class, () -> ClientFrame.decode("{\"event\":{}}")).getMessage());
    }

    @Test
    void encodesAsAClientSends() {
        assertEquals("{\"event\":\"authenticate\",\"data\":\"aaa.bbb.ccc\"}", new ClientFrame.Authenticate("aaa.bbb.ccc").encode());
        assertEquals("{\"event\":\"authenticate\",\"data\":\"\"}", new ClientFrame.Authenticate("").encode());
        assertEquals("{\"event\":\"ping\"}", new ClientFrame.Ping().encode());
        assertEquals("{\"event\":\"hello\"}", new ClientFrame.Unknown("hello").encode());
        assertEquals("{\"event\":\"q\\\"é\"}", new ClientFrame.Unknown("q\"é").encode());
    }

    static List<ClientFrame> frames() {
        return List.of(
                new ClientFrame.Authenticate("eyJhbGciOiJIUzUxMiJ9.eyJjaGFubmVscyI6WyJ1c2VyOjEiXX0.c2ln"),
                new ClientFrame.Authenticate(""),
                new ClientFrame.Authenticate("odd \"token\" \\ with\nescapes ✓"),
                new ClientFrame.Ping(),
                new ClientFrame.Unknown("subscribe"),
                new ClientFrame.Unknown("😀 \"x\""));
    }

    @ParameterizedTest
    @MethodSource("frames")
    void encodeThenDecodeGivesBackTheFrame(ClientFrame frame) throws Exception {
        assertEquals(frame, ClientFrame.decode(frame.encode()));
    }
}
