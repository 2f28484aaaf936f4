package io.bifrost.gateway.ws;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import io.helidon.common.buffers.DataReader;

/**
 * Reads a client's frames off the connection and enforces RFC 6455 on them (section 5): masking, reserved bits and
 * opcodes, control frame rules, fragmentation, UTF-8 in text and close reasons, valid close codes, and the message
 * size limit, checked against the declared length before a byte of payload is read.
 *
 * <p>Helidon's own websocket implementation let reserved opcodes end in HTTP bytes written into the stream and
 * answered several violations with 1011 and exception text; this one answers every violation with the code the RFC
 * names and a fixed reason.
 */
final class FrameReader {
    /** The close code a close frame without a payload stands for (RFC 6455 section 7.1.5); never sent on the wire. */
    static final int NO_STATUS = 1005;

    private static final int CONTINUATION = 0x0;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;
    private static final int MAX_CONTROL_PAYLOAD = 125;

    private final DataReader in;
    private final int maxMessageBytes;
    private final Utf8 utf8 = new Utf8();
    private final byte[] mask = new byte[4];
    // The text message being reassembled from fragments, or null when none is open.
    private ByteArrayOutputStream fragments;

    /**
     * @param in              the connection's bytes, after the handshake
     * @param maxMessageBytes largest text message, whole, in bytes
     */
    FrameReader(DataReader in, int maxMessageBytes) {
        this.in = in;
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * Reads until a message or control frame is complete. Blocks; throws Helidon's data exceptions when the
     * connection ends.
     *
     * @return what arrived
     * @throws ProtocolViolation when the client broke the protocol or a limit
     */
    Inbound next() throws ProtocolViolation {
        while (true) {
            int b0 = in.read() & 0xFF;
            int b1 = in.read() & 0xFF;
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0F;
            if ((b0 & 0x70) != 0) {
                throw violation("reserved bits set without a negotiated extension");
            }
            if ((b1 & 0x80) == 0) {
                throw violation("client frames must be masked");
            }
            long length = b1 & 0x7F;
            if (length == 126) {
                length = (in.read() & 0xFF) << 8 | (in.read() & 0xFF);
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = length << 8 | (in.read() & 0xFF);
                }
                if (length < 0) {
                    throw violation("64-bit length with the most significant bit set");
                }
            }
            boolean control = (opcode & 0x8) != 0;
            if (control) {
                if (!fin) {
                    throw violation("fragmented control frame");
                }
                if (length > MAX_CONTROL_PAYLOAD) {
                    throw violation("control frame payload over 125 bytes");
                }
            }
            switch (opcode) {
                case CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG -> {
                }
                default -> throw violation("reserved opcode");
            }
            if (opcode == BINARY) {
                // Nothing more is read of a binary message: the session closes with 1003.
                if (fragments != null) {
                    throw violation("new message inside a fragmented one");
                }
                return new Inbound.Binary();
            }
            if (opcode == CONTINUATION && fragments == null) {
                throw violation("continuation frame with no message started");
            }
            if (opcode == TEXT && fragments != null) {
                throw violation("new message inside a fragmented one");
            }
            if (!control) {
                long total = (fragments == null ? 0 : fragments.size()) + length;
                if (total > maxMessageBytes) {
                    throw new ProtocolViolation(CloseReason.FRAME_TOO_LARGE, "message over the frame limit");
                }
            }
            readMask();
            byte[] payload = payload((int) length);
            switch (opcode) {
                case PING -> {
                    return new Inbound.Ping(payload);
                }
                case PONG -> {
                    return new Inbound.Pong();
                }
                case CLOSE -> {
                    return close(payload);
                }
                default -> {
                    // TEXT or CONTINUATION of a text message.
                    if (opcode == TEXT) {
                        utf8.reset();
                        fragments = new ByteArrayOutputStream(Math.max(16, payload.length));
                    }
                    if (!utf8.feed(payload, 0, payload.length)) {
                        throw new ProtocolViolation(CloseReason.INVALID_UTF8, "text is not UTF-8");
                    }
                    fragments.writeBytes(payload);
                    if (fin) {
                        if (!utf8.complete()) {
                            throw new ProtocolViolation(CloseReason.INVALID_UTF8, "text ends inside a character");
                        }
                        String text = fragments.toString(StandardCharsets.UTF_8);
                        fragments = null;
                        return new Inbound.Text(text);
                    }
                }
            }
        }
    }

    private Inbound close(byte[] payload) throws ProtocolViolation {
        if (payload.length == 0) {
            return new Inbound.Close(NO_STATUS);
        }
        if (payload.length == 1) {
            throw violation("close payload of one byte");
        }
        int code = (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF);
        if (!validOnTheWire(code)) {
            throw violation("close code not allowed on the wire");
        }
        Utf8 reason = new Utf8();
        if (!reason.feed(payload, 2, payload.length) || !reason.complete()) {
            throw new ProtocolViolation(CloseReason.INVALID_UTF8, "close reason is not UTF-8");
        }
        return new Inbound.Close(code);
    }

    /**
     * RFC 6455 section 7.4: 1000-1003 and 1007-1011 are defined for endpoints to send, 1012-1014 were registered
     * with IANA since; 3000-4999 are for libraries and applications. 1004, 1005, 1006 and 1015 must never be sent.
     *
     * @param code a close code
     * @return true if a peer may send it
     */
    static boolean validOnTheWire(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    private void readMask() {
        for (int i = 0; i < 4; i++) {
            mask[i] = in.read();
        }
    }

    private byte[] payload(int length) {
        if (length == 0) {
            return new byte[0];
        }
        byte[] payload = in.readBytes(length);
        for (int i = 0; i < payload.length; i++) {
            payload[i] ^= mask[i & 3];
        }
        return payload;
    }

    private static ProtocolViolation violation(String detail) {
        return new ProtocolViolation(CloseReason.PROTOCOL_ERROR, detail);
    }
}
