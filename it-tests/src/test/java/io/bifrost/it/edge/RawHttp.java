package io.bifrost.it.edge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * HTTP as an attacker writes it: exact bytes on a plain socket, and every byte that comes back, parsed into as many
 * responses as the server sent. No client library in between normalises a path or refuses a header.
 */
final class RawHttp {
    private RawHttp() {
    }

    /**
     * Sends the request bytes in one write, then reads until the server closes the connection or {@code wait} has
     * passed, whichever is first.
     *
     * @param base    the gateway's {@code http://127.0.0.1:port/}
     * @param request the exact bytes
     * @param wait    the longest time to read for
     * @return what came back
     * @throws IOException if the connection cannot be made
     */
    static Exchange exchange(URI base, String request, Duration wait) throws IOException {
        return exchange(base, request.getBytes(StandardCharsets.ISO_8859_1), wait);
    }

    /**
     * @see #exchange(URI, String, Duration)
     */
    static Exchange exchange(URI base, byte[] request, Duration wait) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (SocketException e) {
                // The server may answer and close before taking every byte; what it answered is still readable.
            }
            return readUntilClosed(socket, wait);
        }
    }

    /**
     * Sends the request bytes and returns as soon as one whole response has arrived (or the server closed, or
     * {@code wait} passed): for answers after which the server may keep the connection open.
     *
     * @param base    the gateway
     * @param request the exact bytes
     * @param wait    the longest time to wait for the answer
     * @return the first response
     * @throws IOException if the connection cannot be made; an {@link AssertionError} if no whole response came
     */
    static Response answer(URI base, String request, Duration wait) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return readResponse(socket, wait);
        }
    }

    /**
     * Reads one whole response from a socket, and nothing after it.
     *
     * @param socket a connected socket that has sent a request
     * @param wait   the longest time to wait for the answer
     * @return the response
     * @throws IOException on a read failure; an {@link AssertionError} if no whole response came in time
     */
    static Response readResponse(Socket socket, Duration wait) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        long deadline = System.nanoTime() + wait.toNanos();
        int headEnd = -1;
        int bodyLength = -1;
        while (true) {
            byte[] bytes = received.toByteArray();
            if (headEnd < 0 && bytes.length >= 4 && bytes[bytes.length - 4] == '\r' && bytes[bytes.length - 3] == '\n'
                    && bytes[bytes.length - 2] == '\r' && bytes[bytes.length - 1] == '\n') {
                headEnd = bytes.length;
                Optional<Response> head = Response.parse(bytes, 0);
                bodyLength = head.flatMap(r -> r.header("Content-Length")).map(Integer::parseInt)
                        .orElse(head.map(r -> r.status() == 101 ? 0 : -1).orElse(-1));
            }
            // Parsed only when it may be whole: once the head is in and the body is as long as declared (or,
            // without a length, at every byte).
            if (headEnd >= 0 && (bodyLength < 0 || bytes.length >= headEnd + bodyLength)) {
                Optional<Response> response = Response.parse(bytes, 0);
                if (response.isPresent() && response.get().complete()) {
                    return response.get();
                }
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            int b = -2;
            if (left > 0) {
                socket.setSoTimeout((int) left);
                try {
                    // Byte by byte: nothing after the response is consumed (a 101 is followed by frames).
                    b = in.read();
                } catch (SocketTimeoutException e) {
                    b = -2;
                } catch (SocketException e) {
                    b = -1;
                }
            }
            if (b == -1 && headEnd >= 0) {
                // Closed: a body without a length ends here.
                return Response.parse(bytes, 0).orElseThrow();
            }
            if (b < 0) {
                throw new AssertionError("no whole HTTP response within " + wait + ":\n"
                        + received.toString(StandardCharsets.ISO_8859_1));
            }
            received.write(b);
        }
    }

    /**
     * Reads what the server sends until it closes the connection (EOF or reset) or {@code wait} has passed.
     *
     * @param socket a connected socket
     * @param wait   the longest time to read for
     * @return the bytes and whether the server closed
     * @throws IOException on a failure other than a reset or the wait ending
     */
    static Exchange readUntilClosed(Socket socket, Duration wait) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        long deadline = System.nanoTime() + wait.toNanos();
        byte[] buffer = new byte[16384];
        boolean closed = false;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                break;
            }
            socket.setSoTimeout((int) Math.max(1, left));
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                break;
            } catch (SocketException e) {
                // Connection reset: the server closed with bytes of ours unread.
                closed = true;
                break;
            }
            if (n < 0) {
                closed = true;
                break;
            }
            received.write(buffer, 0, n);
        }
        return new Exchange(received.toByteArray(), closed);
    }

    /**
     * Everything one connection received.
     *
     * @param bytes  every byte, in order
     * @param closed true if the server closed the connection within the wait
     */
    record Exchange(byte[] bytes, boolean closed) {
        /**
         * @return the bytes parsed as consecutive HTTP responses; bytes that do not parse end the list
         */
        List<Response> responses() {
            List<Response> responses = new ArrayList<>();
            int at = 0;
            while (at < bytes.length) {
                Optional<Response> next = Response.parse(bytes, at);
                if (next.isEmpty()) {
                    break;
                }
                responses.add(next.get());
                at = next.get().end();
            }
            return responses;
        }

        /**
         * @return the only response; fails the test, showing every byte, if there was not exactly one
         */
        Response only() {
            List<Response> responses = responses();
            if (responses.size() != 1) {
                throw new AssertionError("expected exactly one HTTP response, got " + responses.size() + ":\n"
                        + text());
            }
            return responses.getFirst();
        }

        /**
         * @return the bytes as ISO-8859-1 text, for messages and searches
         */
        String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * One parsed response.
     *
     * @param status     the status code
     * @param statusLine the status line
     * @param headers    header lines as received, {@code Name: value}
     * @param body       the body (by Content-Length, chunked, or up to the end of what was received)
     * @param end        where the next response would start
     * @param complete   whether the whole body had arrived (by its Content-Length or last chunk)
     */
    record Response(int status, String statusLine, List<String> headers, String body, int end, boolean complete) {
        /**
         * @param name a header name, any case
         * @return its first value
         */
        Optional<String> header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return headers.stream().filter(h -> h.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(h -> h.substring(prefix.length()).trim()).findFirst();
        }

        static Optional<Response> parse(byte[] bytes, int start) {
            String text = new String(bytes, start, bytes.length - start, StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.") || headEnd < 0) {
                return Optional.empty();
            }
            String[] lines = text.substring(0, headEnd).split("\r\n");
            String statusLine = lines[0];
            String[] parts = statusLine.split(" ", 3);
            int status;
            try {
                status = Integer.parseInt(parts[1]);
            } catch (RuntimeException e) {
                return Optional.empty();
            }
            List<String> headers = List.of(lines).subList(1, lines.length);
            Response head = new Response(status, statusLine, headers, "", 0, false);
            int bodyStart = headEnd + 4;
            Optional<String> length = head.header("Content-Length");
            boolean chunked = head.header("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))
                    .orElse(false);
            String body;
            int end;
            boolean complete = true;
            if (chunked) {
                StringBuilder decoded = new StringBuilder();
                int at = bodyStart;
                while (true) {
                    int lineEnd = text.indexOf("\r\n", at);
                    if (lineEnd < 0) {
                        return Optional.of(new Response(status, statusLine, headers, utf8(decoded.toString()),
                                start + text.length(), false));
                    }
                    int size;
                    try {
                        size = Integer.parseInt(text.substring(at, lineEnd).split(";")[0].trim(), 16);
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                    at = lineEnd + 2;
                    if (size == 0) {
                        int trailerEnd = text.indexOf("\r\n", at);
                        end = trailerEnd < 0 ? text.length() : trailerEnd + 2;
                        break;
                    }
                    decoded.append(text, at, Math.min(text.length(), at + size));
                    at += size + 2;
                }
                body = decoded.toString();
            } else if (length.isPresent()) {
                int n = Integer.parseInt(length.get());
                complete = text.length() >= bodyStart + n;
                end = Math.min(text.length(), bodyStart + n);
                body = text.substring(bodyStart, end);
            } else if (status == 101 || status == 204 || status == 304) {
                end = bodyStart;
                body = "";
            } else {
                // Delimited by the end of the connection: whole only once the server has closed.
                complete = false;
                end = text.length();
                body = text.substring(bodyStart);
            }
            return Optional.of(new Response(status, statusLine, headers, utf8(body), start + end, complete));
        }

        // Parsing works on ISO-8859-1 text (one char per byte); bodies are read back as the UTF-8 they are.
        private static String utf8(String latin1) {
            return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        }
    }
}
