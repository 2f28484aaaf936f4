package io.bifrost.gateway.warmup;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import io.bifrost.protocol.Json;

/**
 * A backend as the warm-up plays it: {@code POST /broadcast} on one kept-alive connection, one request at a time.
 * Blocking and plain on purpose, not {@link io.bifrost.protocol.BifrostClient}: the JDK's HTTP client would start
 * its own selector thread and compile its own asynchronous stack in the gateway's process, on the core the warm-up
 * is there to spend on the gateway's code.
 */
final class LoopbackPublisher implements AutoCloseable {
    private final InetSocketAddress address;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /**
     * @param address the gateway
     * @param timeoutMillis bound on the connect and on every answer
     * @throws IOException if the gateway cannot be reached
     */
    LoopbackPublisher(InetSocketAddress address, int timeoutMillis) throws IOException {
        this.address = address;
        this.socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(address, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            this.in = new BufferedInputStream(socket.getInputStream(), 2048);
            this.out = socket.getOutputStream();
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * @param token a broadcast token
     * @throws IOException if the gateway did not answer 200 (the status line is in the message) or the connection
     *                     failed
     */
    void broadcast(String token) throws IOException {
        byte[] body = ("{\"token\":" + Json.quote(token) + "}").getBytes(StandardCharsets.US_ASCII);
        byte[] head = ("POST /broadcast HTTP/1.1\r\nHost: " + HttpLines.host(address)
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        out.write(request);
        String status = HttpLines.read(in);
        long length = -1;
        for (String line = HttpLines.read(in); !line.isEmpty(); line = HttpLines.read(in)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                length = Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        if (length < 0 || length > 1 << 16) {
            throw new IOException("an answer without a usable Content-Length: " + status);
        }
        // Throws EOFException if the connection ends first.
        in.skipNBytes(length);
        if (!status.startsWith("HTTP/1.1 200")) {
            throw new IOException("a broadcast was answered " + status);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing left to release.
        }
    }
}
