package io.bifrost.gateway.edge;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Lets HTTP/1.0 clients (load balancers' health checks among them) get an answer: Helidon refuses HTTP/1.0 with 505,
 * so the first request of a connection that speaks it is read whole and handed on as HTTP/1.1, with the
 * {@code Host} header HTTP/1.1 requires when it has none; the edge then closes the connection after the answer, as
 * HTTP/1.0 expects.
 */
final class Http10 {
    /** Longest request head looked at; longer heads are left to Helidon, which refuses them. */
    static final int MAX_HEAD = 16 * 1024;
    private static final byte[] VERSION_10 = " HTTP/1.0".getBytes(StandardCharsets.US_ASCII);

    private Http10() {
    }

    /**
     * Rewrites the start of a connection's byte stream if its first request is HTTP/1.0.
     *
     * @param first      what the first read returned
     * @param more       reads more of the stream (null at its end)
     * @param connection marked as HTTP/1.0 when it is
     * @return the bytes to hand on: unchanged, or the request as HTTP/1.1 followed by whatever came after it
     */
    static byte[] rewrite(byte[] first, Supplier<byte[]> more, TrackedConnection connection) {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        seen.writeBytes(first);
        int lineEnd = indexOf(seen.toByteArray(), (byte) '\n');
        while (lineEnd < 0 && seen.size() < MAX_HEAD) {
            byte[] next = more.get();
            if (next == null) {
                return seen.toByteArray();
            }
            seen.writeBytes(next);
            lineEnd = indexOf(seen.toByteArray(), (byte) '\n');
        }
        byte[] bytes = seen.toByteArray();
        if (lineEnd < 0 || !isHttp10(bytes, lineEnd)) {
            return bytes;
        }
        int headEnd = headEnd(bytes);
        while (headEnd < 0 && bytes.length < MAX_HEAD) {
            byte[] next = more.get();
            if (next == null) {
                return bytes;
            }
            seen.writeBytes(next);
            bytes = seen.toByteArray();
            headEnd = headEnd(bytes);
        }
        if (headEnd < 0) {
            return bytes;
        }
        connection.markHttp10();
        int versionAt = lineEnd - (bytes[lineEnd - 1] == '\r' ? 1 : 0) - VERSION_10.length;
        String head = new String(bytes, 0, headEnd, StandardCharsets.ISO_8859_1);
        boolean hasHost = head.toLowerCase(Locale.ROOT).contains("\nhost:");
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 24);
        out.write(bytes, 0, versionAt);
        out.writeBytes(" HTTP/1.1".getBytes(StandardCharsets.US_ASCII));
        out.write(bytes, versionAt + VERSION_10.length, lineEnd + 1 - versionAt - VERSION_10.length);
        if (!hasHost) {
            out.writeBytes("Host: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(bytes, lineEnd + 1, bytes.length - lineEnd - 1);
        return out.toByteArray();
    }

    private static boolean isHttp10(byte[] bytes, int lineEnd) {
        int end = lineEnd > 0 && bytes[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
        int start = end - VERSION_10.length;
        if (start < 0) {
            return false;
        }
        for (int i = 0; i < VERSION_10.length; i++) {
            if (bytes[start + i] != VERSION_10[i]) {
                return false;
            }
        }
        return true;
    }

    // Index just past the blank line that ends the head, or -1.
    private static int headEnd(byte[] bytes) {
        for (int i = 0; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\n' && (bytes[i + 1] == '\n'
                    || bytes[i + 1] == '\r' && i + 2 < bytes.length && bytes[i + 2] == '\n')) {
                return bytes[i + 1] == '\n' ? i + 2 : i + 3;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
