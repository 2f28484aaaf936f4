package io.bifrost.gateway.hub;

import java.nio.charset.StandardCharsets;

/**
 * A complete server-to-client websocket frame (header and payload, unmasked), encoded once and then shared,
 * unchanged, by every socket it is queued for.
 */
public final class WireFrame {
    /** A ping control frame with an empty payload. */
    public static final WireFrame PING = new WireFrame(new byte[] {(byte) 0x89, 0});

    private final byte[] bytes;

    private WireFrame(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * Encodes a final text frame.
     *
     * @param text the frame's text, usually a JSON event
     * @return the frame
     */
    public static WireFrame text(String text) {
        return fromPayload(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Encodes a pong control frame echoing a ping's payload.
     *
     * @param payload the ping's payload, at most 125 bytes
     * @return the frame
     */
    public static WireFrame pong(byte[] payload) {
        if (payload.length > 125) {
            throw new IllegalArgumentException("control frame payload is " + payload.length + " bytes; at most 125");
        }
        byte[] frame = new byte[2 + payload.length];
        frame[0] = (byte) 0x8A; // FIN + pong
        frame[1] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 2, payload.length);
        return new WireFrame(frame);
    }

    /**
     * Encodes a close frame.
     *
     * @param code   the close code
     * @param reason the reason, at most 123 bytes in UTF-8
     * @return the frame
     */
    public static WireFrame close(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        if (text.length > 123) {
            throw new IllegalArgumentException("close reason is " + text.length + " bytes; at most 123");
        }
        byte[] frame = new byte[4 + text.length];
        frame[0] = (byte) 0x88; // FIN + close
        frame[1] = (byte) (2 + text.length);
        frame[2] = (byte) (code >>> 8);
        frame[3] = (byte) code;
        System.arraycopy(text, 0, frame, 4, text.length);
        return new WireFrame(frame);
    }

    /**
     * Wraps bytes that already are one complete frame, e.g. received from another instance.
     *
     * @param frame header and payload
     * @return the frame
     */
    public static WireFrame ofEncoded(byte[] frame) {
        return new WireFrame(frame);
    }

    private static WireFrame fromPayload(byte[] payload) {
        int n = payload.length;
        int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
        byte[] frame = new byte[header + n];
        frame[0] = (byte) 0x81; // FIN + text
        if (n < 126) {
            frame[1] = (byte) n;
        } else if (n < 65536) {
            frame[1] = 126;
            frame[2] = (byte) (n >>> 8);
            frame[3] = (byte) n;
        } else {
            frame[1] = 127;
            long len = n;
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) (len >>> (56 - 8 * i));
            }
        }
        System.arraycopy(payload, 0, frame, header, n);
        return new WireFrame(frame);
    }

    /**
     * The frame's bytes. Shared by every socket: never modify them.
     *
     * @return header and payload
     */
    public byte[] bytes() {
        return bytes;
    }

    /**
     * @return a copy of the frame's payload (what follows its header)
     */
    public byte[] payload() {
        int n = bytes[1] & 0x7F;
        int header = n < 126 ? 2 : n == 126 ? 4 : 10;
        return java.util.Arrays.copyOfRange(bytes, header, bytes.length);
    }

    /**
     * @return the frame's size on the wire
     */
    public int size() {
        return bytes.length;
    }
}
