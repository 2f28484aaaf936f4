package io.bifrost.gateway.ws;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

import io.helidon.common.buffers.DataReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameReaderTest {
    private static final int LIMIT = 1024;

    @Test
    void maskedTextFrameIsOneMessage() throws Exception {
        assertEquals(new Inbound.Text("{\"event\":\"ping\"}"),
                reader(frame(true, 0x1, "{\"event\":\"ping\"}".getBytes(StandardCharsets.UTF_8))).next());
    }

    @Test
    void fragmentedTextIsReassembledWithControlFramesBetweenItsFragments() throws Exception {
        FrameReader frames = reader(frame(false, 0x1, "hel".getBytes(StandardCharsets.UTF_8)),
                frame(true, 0x9, new byte[] {1, 2}),
                frame(true, 0x0, "lo".getBytes(StandardCharsets.UTF_8)));
        Inbound ping = frames.next();
        assertArrayEquals(new byte[] {1, 2}, assertInstanceOf(Inbound.Ping.class, ping).payload());
        assertEquals(new Inbound.Text("hello"), frames.next());
    }

    @Test
    void aCharacterSplitAcrossFragmentsIsValid() throws Exception {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        FrameReader frames = reader(frame(false, 0x1, Arrays.copyOfRange(euro, 0, 1)),
                frame(true, 0x0, Arrays.copyOfRange(euro, 1, 3)));
        assertEquals(new Inbound.Text("€"), frames.next());
    }

    @Test
    void invalidUtf8SplitAcrossFragmentsIs1007() {
        FrameReader frames = reader(frame(false, 0x1, new byte[] {(byte) 0xE2, (byte) 0x82}),
                frame(true, 0x0, new byte[] {(byte) 0x41}));
        assertEquals(CloseReason.INVALID_UTF8, violation(frames));
    }

    @ParameterizedTest
    @ValueSource(strings = {"C0AF", "E080AF", "EDA080", "F4908080", "FF", "80", "E282"})
    void invalidUtf8TextIs1007(String hex) {
        assertEquals(CloseReason.INVALID_UTF8, violation(reader(frame(true, 0x1, hex(hex)))));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
    void reservedOpcodesAre1002(int opcode) {
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(reader(frame(true, opcode, new byte[0]))));
    }

    @Test
    void reservedBitsAre1002() {
        byte[] frame = frame(true, 0x1, "x".getBytes(StandardCharsets.UTF_8));
        frame[0] |= 0x40;
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(reader(frame)));
    }

    @Test
    void unmaskedFramesAre1002() {
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(reader(new byte[] {(byte) 0x81, 1, 'x'})));
    }

    @Test
    void fragmentedPingIs1002() {
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(reader(frame(false, 0x9, new byte[0]))));
    }

    @Test
    void pingOver125BytesIs1002() {
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(reader(frame(true, 0x9, new byte[126]))));
    }

    @Test
    void closeWithOneBytePayloadIs1002() {
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(reader(frame(true, 0x8, new byte[] {3}))));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
    void closeCodesThatMustNotBeSentAre1002(int code) {
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(reader(frame(true, 0x8, closePayload(code, "")))));
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999})
    void validCloseCodesArePassedOn(int code) throws Exception {
        assertEquals(new Inbound.Close(code), reader(frame(true, 0x8, closePayload(code, "bye"))).next());
    }

    @Test
    void emptyCloseHasNoStatus() throws Exception {
        assertEquals(new Inbound.Close(FrameReader.NO_STATUS), reader(frame(true, 0x8, new byte[0])).next());
    }

    @Test
    void closeReasonThatIsNotUtf8Is1007() {
        byte[] payload = closePayload(1000, "");
        byte[] bad = Arrays.copyOf(payload, payload.length + 1);
        bad[bad.length - 1] = (byte) 0xFF;
        assertEquals(CloseReason.INVALID_UTF8, violation(reader(frame(true, 0x8, bad))));
    }

    @Test
    void continuationWithNoMessageStartedIs1002() {
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(reader(frame(true, 0x0, "x".getBytes(StandardCharsets.UTF_8)))));
    }

    @Test
    void newTextFrameInsideAFragmentedMessageIs1002() {
        FrameReader frames = reader(frame(false, 0x1, "a".getBytes(StandardCharsets.UTF_8)),
                frame(true, 0x1, "b".getBytes(StandardCharsets.UTF_8)));
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(frames));
    }

    @Test
    void binaryFrameInsideAFragmentedTextMessageIs1002() {
        FrameReader frames = reader(frame(false, 0x1, "a".getBytes(StandardCharsets.UTF_8)),
                frame(true, 0x2, new byte[] {1}));
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(frames));
    }

    @Test
    void binaryFrameIsReportedWithoutReadingItsPayload() throws Exception {
        // Only the header and the mask: the payload never arrives, and is never waited for.
        assertInstanceOf(Inbound.Binary.class, reader(new byte[] {(byte) 0x82, (byte) 0xFE, 0x40, 0, 1, 2, 3, 4})
                .next());
    }

    @Test
    void sixtyFourBitLengthWithTheTopBitSetIs1002() {
        byte[] header = {(byte) 0x81, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4};
        assertEquals(CloseReason.PROTOCOL_ERROR, violation(reader(header)));
    }

    @Test
    void aFrameDeclaringMoreThanTheLimitIs1009BeforeItsPayloadIsRead() {
        // 2^40 bytes declared, nothing sent after the mask: refused from the header alone.
        byte[] header = {(byte) 0x81, (byte) 0xFF, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4};
        assertEquals(CloseReason.FRAME_TOO_LARGE, violation(reader(header)));
    }

    @Test
    void fragmentsAddingUpPastTheLimitAre1009() {
        FrameReader frames = reader(frame(false, 0x1, new byte[LIMIT / 2 + 1]), frame(true, 0x0, new byte[LIMIT / 2]));
        assertEquals(CloseReason.FRAME_TOO_LARGE, violation(frames));
    }

    @Test
    void frameBytesArrivingOneAtATimeMakeTheSameMessage() throws Exception {
        byte[] frame = frame(true, 0x1, "{\"event\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
        Deque<byte[]> chunks = new ArrayDeque<>();
        for (byte b : frame) {
            chunks.add(new byte[] {b});
        }
        FrameReader frames = new FrameReader(DataReader.create(chunks::poll), LIMIT);
        assertEquals(new Inbound.Text("{\"event\":\"ping\"}"), frames.next());
    }

    @Test
    void theEndOfTheStreamIsNotAViolation() {
        FrameReader frames = reader(new byte[] {(byte) 0x81});
        assertThrows(DataReader.InsufficientDataAvailableException.class, frames::next);
    }

    private static CloseReason violation(FrameReader frames) {
        ProtocolViolation violation = assertThrows(ProtocolViolation.class, () -> {
            for (int i = 0; i < 10; i++) {
                frames.next();
            }
        });
        assertTrue(violation.getMessage() != null && !violation.getMessage().isEmpty());
        return violation.reason();
    }

    private static FrameReader reader(byte[]... frames) {
        Deque<byte[]> chunks = new ArrayDeque<>(List.of(frames));
        return new FrameReader(DataReader.create(chunks::poll), LIMIT);
    }

    static byte[] frame(boolean fin, int opcode, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        int n = payload.length;
        if (n < 126) {
            out.write(0x80 | n);
        } else if (n < 65536) {
            out.write(0x80 | 126);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                out.write((int) ((long) n >>> (8 * i)));
            }
        }
        byte[] mask = {0x12, 0x34, 0x56, 0x78};
        out.writeBytes(mask);
        for (int i = 0; i < n; i++) {
            out.write(payload[i] ^ mask[i & 3]);
        }
        return out.toByteArray();
    }

    private static byte[] closePayload(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        return payload;
    }

    private static byte[] hex(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }
}
