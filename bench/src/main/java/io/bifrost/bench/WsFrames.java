package io.bifrost.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.SplittableRandom;

/**
 * The few pieces of RFC 6455 a client needs: the upgrade request and its accept check, masked frames out, and the
 * header of unmasked frames in. Written for the generator's hot path: no allocation per frame read.
 */
final class WsFrames {
    static final int OP_CONTINUATION = 0x0;
    static final int OP_TEXT = 0x1;
    static final int OP_BINARY = 0x2;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WsFrames() {
    }

    /** A random 16-byte key, base64: the upgrade request's Sec-WebSocket-Key. */
    static String newKey(SplittableRandom random) {
        byte[] key = new byte[16];
        random.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    static byte[] upgradeRequest(String hostPort, String path, String key) {
        return ("GET " + path + " HTTP/1.1\r\n"
                + "Host: " + hostPort + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The Sec-WebSocket-Accept a server must answer to the key. */
    static String expectedAccept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /** A final client frame: masked, as RFC 6455 requires of clients. */
    static byte[] masked(int opcode, byte[] payload, SplittableRandom random) {
        int n = payload.length;
        int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
        byte[] frame = new byte[header + 4 + n];
        frame[0] = (byte) (0x80 | opcode);
        if (n < 126) {
            frame[1] = (byte) (0x80 | n);
        } else if (n < 65536) {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (n >>> 8);
            frame[3] = (byte) n;
        } else {
            frame[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
            }
        }
        int mask = random.nextInt();
        for (int i = 0; i < 4; i++) {
            frame[header + i] = (byte) (mask >>> (24 - 8 * i));
        }
        for (int i = 0; i < n; i++) {
            frame[header + 4 + i] = (byte) (payload[i] ^ frame[header + (i & 3)]);
        }
        return frame;
    }

    static byte[] closeFrame(int code, SplittableRandom random) {
        return masked(OP_CLOSE, new byte[] {(byte) (code >>> 8), (byte) code}, random);
    }

    /**
     * The total length (header and payload) of the server frame starting at {@code pos}, or -1 if not even its header
     * is complete in {@code [pos, end)}.
     */
    static long frameLength(byte[] b, int pos, int end) {
        if (end - pos < 2) {
            return -1;
        }
        int b1 = b[pos + 1] & 0xff;
        int header = (b1 & 0x80) != 0 ? 6 : 2;
        long len = b1 & 0x7f;
        if (len == 126) {
            if (end - pos < 4) {
                return -1;
            }
            len = ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
            header += 2;
        } else if (len == 127) {
            if (end - pos < 10) {
                return -1;
            }
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | (b[pos + 2 + i] & 0xff);
            }
            header += 8;
        }
        return header + len;
    }

    /** The header length of the (complete) frame at {@code pos}. */
    static int headerLength(byte[] b, int pos) {
        int b1 = b[pos + 1] & 0xff;
        int len = b1 & 0x7f;
        int header = len == 126 ? 4 : len == 127 ? 10 : 2;
        return (b1 & 0x80) != 0 ? header + 4 : header;
    }

    static int opcode(byte[] b, int pos) {
        return b[pos] & 0x0f;
    }

    static boolean isMasked(byte[] b, int pos) {
        return (b[pos + 1] & 0x80) != 0;
    }

    /** Index of {@code needle} in {@code b[from, to)}, or -1. */
    static int indexOf(byte[] b, int from, int to, byte[] needle) {
        int last = to - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
