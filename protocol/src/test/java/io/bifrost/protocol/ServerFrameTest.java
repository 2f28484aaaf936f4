package io.bifrost.protocol;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerFrameTest {

    @Test
    void subscribedCarriesItsChannelAsJsonInsideAString() {
        assertEquals("{\"event\":\"subscribed\",\"data\":\"{\\\"channel\\\":\\\"user:1\\\"}\"}",
                new ServerFrame.Subscribed("user:1").encode());
    }

    @Test
    void subscribedEscapesTheChannelTwice() throws Exception {
        ServerFrame.Subscribed frame = new ServerFrame.Subscribed("a\"b\\c é");

        assertEquals("{\"event\":\"subscribed\",\"data\":\"{\\\"channel\\\":\\\"a\\\\\\\"b\\\\\\\\c é\\\"}\"}",
                frame.encode());
        assertEquals(frame, ServerFrame.decode(frame.encode()));
    }

    @Test
    void pongIsJustTheEvent() {
        assertEquals("{\"event\":\"pong\"}", new ServerFrame.Pong().encode());
    }

    @Test
    void errorCarriesItsTextAsJsonInsideAString() {
        assertEquals("{\"event\":\"error\",\"data\":\"{\\\"error\\\":\\\"frame is not valid JSON\\\"}\"}",
                new ServerFrame.Error("frame is not valid JSON").encode());
        assertEquals("{\"event\":\"error\",\"data\":\"{\\\"error\\\":\\\"frame has no \\\\\\\"event\\\\\\\"\\\"}\"}",
                new ServerFrame.Error("frame has no \"event\"").encode());
    }

    @Test
    void errorDataParsesAsJsonLikeEveryOtherEvent() throws Exception {
        String text = new ServerFrame.Error("bad \"frame\"\n").encode();
        ServerFrame.Message decoded = assertInstanceOf(ServerFrame.Message.class, ServerFrame.decode(text));

        assertEquals("error", decoded.event());
        assertEquals(Map.of("error", "bad \"frame\"\n"), Json.parseObject(decoded.data()));
    }

    @Test
    void messageEncodesItsBodyInOrder() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", "new_item");
        body.put("data", "{\"id\":7}");
        body.put("big", new BigInteger("99999999999999999999"));
        body.put("none", null);

        assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\",\"big\":99999999999999999999,\"none\":null}",
                new ServerFrame.Message(body).encode());
    }

    @Test
    void messageCopiesItsBody() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", "e");
        ServerFrame.Message message = new ServerFrame.Message(body);
        body.put("data", "added later");

        assertEquals("{\"event\":\"e\"}", message.encode());
        assertThrows(UnsupportedOperationException.class, () -> message.body().put("x", 1));
    }

    @Test
    void messageAccessorsReadStringsOnly() {
        ServerFrame.Message text = new ServerFrame.Message(Map.of("event", "e", "data", "d"));
        ServerFrame.Message other = new ServerFrame.Message(Map.of("event", 1, "data", List.of()));

        assertEquals("e", text.event());
        assertEquals("d", text.data());
        assertNull(other.event());
        assertNull(other.data());
    }

    /** JSON texts in the form our codec writes them: decoding and encoding any of them must give back every byte. */
    static List<String> canonicalTexts() {
        return List.of(
                "{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\"}",
                "{\"event\":\"greeting\",\"data\":\"héllo ✓ 😀\"}",
                "{\"event\":\"ключ\",\"clé\":\"värde\",\"data\":\"日本語 𝄞\"}",
                "{\"event\":\"quotes\",\"data\":\"she said \\\"hi\\\"\"}",
                "{\"event\":\"slashes\",\"data\":\"C:\\\\dir\\\\file and \\\\\\\" and https://example.com/a/b\"}",
                "{\"event\":\"whitespace\",\"data\":\"line1\\nline2\\r\\n\\ttab \\b \\f\"}",
                "{\"event\":\"controls\",\"data\":\"\\u0000\\u0001\\u001f\"}",
                "{\"event\":\"raw\",\"data\":\"\u007f\u2028\u2029\"}",
                "{\"event\":\"nested\",\"data\":\"{\\\"a\\\":{\\\"b\\\":[1,2,{\\\"c\\\":\\\"\\\\\\\"deep\\\\\\\"\\\\n\\\"}]}}\"}",
                "{\"event\":\"numbers\",\"data\":\"x\",\"zero\":0,\"neg\":-42,\"max\":9223372036854775807,"
                        + "\"maxPlus1\":9223372036854775808,\"min\":-9223372036854775808,"
                        + "\"minMinus1\":-9223372036854775809,\"big\":123456789012345678901234567890123456789,"
                        + "\"dec\":1.10,\"half\":-0.5,\"tiny\":0.000001,"
                        + "\"pi\":3.14159265358979323846264338327950288419716939937510,\"exp\":1E+5,\"expDec\":1.5E-7}",
                "{\"event\":\"literals\",\"data\":null,\"t\":true,\"f\":false}",
                "{\"event\":\"arrays\",\"data\":[1,\"two\",[3,[4,[]]],{\"five\":5},null,true,1.10]}",
                "{\"event\":\"object\",\"data\":{\"z\":{},\"a\":{\"y\":1,\"b\":2}}}",
                "{\"zeta\":1,\"event\":\"order\",\"alpha\":2,\"data\":\"d\",\"middle\":{\"z\":1,\"a\":2}}",
                "{\"event\":\"\",\"data\":\"\"}",
                "{\"event\":\"error\",\"data\":\"{\\\"error\\\":\\\"x\\\"}\"}",
                "{\"event\":\"subscribed\",\"data\":\"{\\\"channel\\\":\\\"user:1\\\"}\"}",
                "{\"event\":\"pong\"}");
    }

    @ParameterizedTest
    @MethodSource("canonicalTexts")
    void decodeThenEncodeGivesBackEveryByte(String text) throws Exception {
        assertEquals(text, ServerFrame.decode(text).encode());
    }

    @Test
    void knownEventsDecodeToTheirFrames() throws Exception {
        assertEquals(new ServerFrame.Pong(), ServerFrame.decode("{\"event\":\"pong\"}"));
        assertEquals(new ServerFrame.Subscribed("user:1"),
                ServerFrame.decode("{\"event\":\"subscribed\",\"data\":\"{\\\"channel\\\":\\\"user:1\\\"}\"}"));
        assertEquals(new ServerFrame.Message(Map.of("event", "new_item", "data", "{}")),
                ServerFrame.decode("{\"event\":\"new_item\",\"data\":\"{}\"}"));
    }

    @Test
    void decodedMessageIsWrittenBackCompact() throws Exception {
        assertEquals("{\"event\":\"x\",\"data\":[1,2]}",
                ServerFrame.decode(" {\n  \"event\" : \"x\",\n  \"data\" : [ 1, 2 ]\n}\n").encode());
    }

    @Test
    void decodeRefusesFramesWithoutAStringEvent() {
        assertEquals("frame has no string \"event\"",
                assertThrows(InvalidFrameException.class, () -> ServerFrame.decode("{\"data\":\"x\"}")).getMessage());
        assertEquals("frame has no string \"event\"",
                assertThrows(InvalidFrameException.class, () -> ServerFrame.decode("{\"event\":7}")).getMessage());
        assertEquals("frame is not a JSON object but an array",
                assertThrows(InvalidFrameException.class, () -> ServerFrame.decode("[]")).getMessage());
        InvalidFrameException notJson = assertThrows(InvalidFrameException.class, () -> ServerFrame.decode("pong"));
        assertTrue(notJson.getMessage().startsWith("frame is not valid JSON: "), notJson.getMessage());
    }

    @Test
    void decodeRefusesSubscribedFramesWithoutAChannel() {
        assertEquals("subscribed frame's data has no string \"channel\"",
                assertThrows(InvalidFrameException.class,
                        () -> ServerFrame.decode("{\"event\":\"subscribed\",\"data\":\"{\\\"channel\\\":1}\"}"))
                        .getMessage());
        assertEquals("subscribed frame's data is not a JSON object but null",
                assertThrows(InvalidFrameException.class, () -> ServerFrame.decode("{\"event\":\"subscribed\"}"))
                        .getMessage());
        assertEquals("subscribed frame's data is not a JSON object but an array",
                assertThrows(InvalidFrameException.class,
                        () -> ServerFrame.decode("{\"event\":\"subscribed\",\"data\":\"[]\"}")).getMessage());
    }
}
