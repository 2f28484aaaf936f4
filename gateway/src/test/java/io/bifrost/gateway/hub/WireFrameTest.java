package io.bifrost.gateway.hub;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WireFrameTest {

    @Test
    void emptyTextIsATwoByteFrame() {
        WireFrame frame = WireFrame.text("");

        assertArrayEquals(bytes(0x81, 0x00), frame.bytes());
        assertEquals(2, frame.size());
    }

    @Test
    void payloadOf125BytesFitsTheSevenBitLength() {
        WireFrame frame = WireFrame.text("a".repeat(125));

        assertArrayEquals(bytes(0x81, 125), header(frame, 2));
        assertPayload("a".repeat(125), frame, 2);
    }

    @Test
    void payloadOf126BytesUsesTheSixteenBitLength() {
        WireFrame frame = WireFrame.text("b".repeat(126));

        assertArrayEquals(bytes(0x81, 126, 0x00, 0x7E), header(frame, 4));
        assertPayload("b".repeat(126), frame, 4);
    }

    @Test
    void payloadOf65535BytesIsTheLargestSixteenBitLength() {
        WireFrame frame = WireFrame.text("c".repeat(65535));

        assertArrayEquals(bytes(0x81, 126, 0xFF, 0xFF), header(frame, 4));
        assertPayload("c".repeat(65535), frame, 4);
    }

    @Test
    void payloadOf65536BytesUsesTheSixtyFourBitLength() {
        WireFrame frame = WireFrame.text("d".repeat(65536));

        assertArrayEquals(bytes(0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00), header(frame, 10));
        assertPayload("d".repeat(65536), frame, 10);
    }

    @Test
    void textIsEncodedAsUtf8AndTheLengthCountsBytes() {
        WireFrame frame = WireFrame.text("héllo ✓");

        // h, é = C3 A9, l, l, o, space, ✓ = E2 9C 93: 7 characters, 10 bytes.
        assertArrayEquals(bytes(0x81, 10, 0x68, 0xC3, 0xA9, 0x6C, 0x6C, 0x6F, 0x20, 0xE2, 0x9C, 0x93),
                frame.bytes());
        assertEquals(12, frame.size());
    }

    @Test
    void pingIsAnEmptyFinalPingFrame() {
        assertArrayEquals(bytes(0x89, 0x00), WireFrame.PING.bytes());
        assertEquals(2, WireFrame.PING.size());
    }

    @Test
    void pongEchoesThePingPayload() {
        WireFrame pong = WireFrame.pong(bytes(0x01, 0x02, 0xFF));

        assertArrayEquals(bytes(0x8A, 3, 0x01, 0x02, 0xFF), pong.bytes());
    }

    @Test
    void pongWithEmptyPayloadIsTwoBytes() {
        assertArrayEquals(bytes(0x8A, 0x00), WireFrame.pong(new byte[0]).bytes());
    }

    @Test
    void pongTakesTheLargestControlPayload() {
        byte[] payload = new byte[125];
        Arrays.fill(payload, (byte) 7);

        WireFrame pong = WireFrame.pong(payload);

        assertArrayEquals(bytes(0x8A, 125), header(pong, 2));
        assertArrayEquals(payload, Arrays.copyOfRange(pong.bytes(), 2, pong.size()));
        assertEquals(127, pong.size());
    }

    @Test
    void pongRefusesMoreThan125Bytes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WireFrame.pong(new byte[126]));

        assertEquals("control frame payload is 126 bytes; at most 125", e.getMessage());
    }

    @Test
    void encodedBytesAreWrappedAsGiven() {
        byte[] encoded = WireFrame.text("relayed").bytes().clone();

        WireFrame frame = WireFrame.ofEncoded(encoded);

        assertArrayEquals(WireFrame.text("relayed").bytes(), frame.bytes());
        assertEquals(encoded.length, frame.size());
    }

    private static void assertPayload(String ascii, WireFrame frame, int headerLength) {
        assertEquals(headerLength + ascii.length(), frame.size());
        assertArrayEquals(ascii.getBytes(StandardCharsets.US_ASCII),
                Arrays.copyOfRange(frame.bytes(), headerLength, frame.size()));
    }

    private static byte[] header(WireFrame frame, int length) {
        return Arrays.copyOf(frame.bytes(), length);
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
