package io.bifrost.bench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class WsFramesTest {
    private final SplittableRandom random = new SplittableRandom(1);

    @Test
    void acceptKeyIsTheOneFromRfc6455() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WsFrames.expectedAccept("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void maskedFrameUnmasksToItsPayloadForEveryLengthForm() {
        for (int n : new int[] {0, 5, 125, 126, 300, 65535, 65536}) {
            byte[] payload = "x".repeat(n).getBytes(StandardCharsets.US_ASCII);
            byte[] frame = WsFrames.masked(WsFrames.OP_TEXT, payload, random);
            assertEquals(0x81, frame[0] & 0xff);
            assertEquals(true, WsFrames.isMasked(frame, 0));
            assertEquals(frame.length, WsFrames.frameLength(frame, 0, frame.length), "length of a " + n + "-byte frame");
            int header = WsFrames.headerLength(frame, 0);
            byte[] unmasked = new byte[n];
            for (int i = 0; i < n; i++) {
                unmasked[i] = (byte) (frame[header + i] ^ frame[header - 4 + (i & 3)]);
            }
            assertArrayEquals(payload, unmasked);
        }
    }

    @Test
    void frameLengthIsUnknownUntilTheWholeHeaderIsThere() {
        byte[] frame = {(byte) 0x81, 126, 0x01, 0x00};
        assertEquals(-1, WsFrames.frameLength(frame, 0, 1));
        assertEquals(-1, WsFrames.frameLength(frame, 0, 3));
        assertEquals(4 + 256, WsFrames.frameLength(frame, 0, 4));
        byte[] small = {(byte) 0x81, 3, 'a', 'b', 'c'};
        assertEquals(5, WsFrames.frameLength(small, 0, 2));
    }

    @Test
    void indexOfFindsTheMarkerOnlyInsideTheRange() {
        byte[] text = "{\"event\":\"bench\",\"data\":\"42 xx\"}".getBytes(StandardCharsets.US_ASCII);
        byte[] marker = "\"data\":\"".getBytes(StandardCharsets.US_ASCII);
        assertEquals(17, WsFrames.indexOf(text, 0, text.length, marker));
        assertEquals(-1, WsFrames.indexOf(text, 0, 20, marker));
        assertEquals(-1, WsFrames.indexOf(text, 18, text.length, marker));
    }
}
