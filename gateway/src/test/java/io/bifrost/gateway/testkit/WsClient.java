package io.bifrost.gateway.testkit;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A websocket client on a plain socket, written for tests: it reads only when told to (so a test can play a client
 * that stops reading), sends any frame it is asked to (binary, fragmented, oversized), and reports close codes
 * exactly. Not thread-safe: one test thread drives it.
 */
public final class WsClient implements AutoCloseable {
    /** Close code reported when the connection ended without a close frame. */
    public static final int NO_CLOSE_FRAME = 1006;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private boolean answerPings = true;

    private WsClient(Socket socket, DataInputStream in, OutputStream out) {
        this.socket = socket;
        this.in = in;
        this.out = out;
    }

    /**
     * Connects and upgrades to a websocket at {@code /subscribe}.
     *
     * @param base the gateway's {@code http://host:port/}
     * @return the connected client
     * @throws IOException if the connection or the upgrade fails
     */
    public static WsClient connect(URI base) throws IOException {
        return connect(base, 0);
    }

    /**
     * Connects with a given receive buffer (small ones make a client that stops reading back up sooner).
     *
     * @param base          the gateway's {@code http://host:port/}
     * @param receiveBuffer SO_RCVBUF, or 0 for the default
     * @return the connected client
     * @throws IOException if the connection or the upgrade fails
     */
    public static WsClient connect(URI base, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
        socket.setSoTimeout(10_000);
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /subscribe HTTP/1.1\r\n"
                + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        String status = readLine(in);
        if (!status.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("upgrade refused: " + status);
        }
        String accept = null;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            if (line.toLowerCase().startsWith("sec-websocket-accept:")) {
                accept = line.substring(line.indexOf(':') + 1).trim();
            }
        }
        if (!expectedAccept(key).equals(accept)) {
            socket.close();
            throw new IOException("bad Sec-WebSocket-Accept: " + accept);
        }
        return new WsClient(socket, in, out);
    }

    /**
     * @param answer whether {@link #next} answers server pings with pongs (the default) or ignores them
     * @return this client
     */
    public WsClient answerPings(boolean answer) {
        this.answerPings = answer;
        return this;
    }

    /**
     * Sends a text frame.
     *
     * @param text the text
     * @throws IOException on a write failure
     */
    public void sendText(String text) throws IOException {
        sendFrame(0x1, text.getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * Sends {@code {"event":"authenticate","data":token}}.
     *
     * @param token the subscribe token
     * @throws IOException on a write failure
     */
    public void authenticate(String token) throws IOException {
        sendText("{\"event\":\"authenticate\",\"data\":\"" + token + "\"}");
    }

    /**
     * Sends one frame, masked as a client must.
     *
     * @param opcode  1 text, 2 binary, 0 continuation, 8 close, 9 ping, 10 pong
     * @param payload the payload
     * @param fin     whether this is the final fragment
     * @throws IOException on a write failure
     */
    public void sendFrame(int opcode, byte[] payload, boolean fin) throws IOException {
        int n = payload.length;
        byte[] header = new byte[n < 126 ? 6 : n < 65536 ? 8 : 14];
        header[0] = (byte) ((fin ? 0x80 : 0) | opcode);
        int maskAt;
        if (n < 126) {
            header[1] = (byte) (0x80 | n);
            maskAt = 2;
        } else if (n < 65536) {
            header[1] = (byte) (0x80 | 126);
            header[2] = (byte) (n >>> 8);
            header[3] = (byte) n;
            maskAt = 4;
        } else {
            header[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                header[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
            }
            maskAt = 10;
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        System.arraycopy(mask, 0, header, maskAt, 4);
        byte[] masked = new byte[n];
        for (int i = 0; i < n; i++) {
            masked[i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        out.write(header);
        out.write(masked);
        out.flush();
    }

    /**
     * Writes bytes as they are: frames no client may send (unmasked, reserved bits, wrong lengths, cut short).
     *
     * @param bytes the bytes
     * @throws IOException on a write failure
     */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Ends this side of the TCP connection (a FIN), as a client that goes away mid-frame; reading goes on.
     *
     * @throws IOException if the socket is closed
     */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /**
     * The bytes the server sends after the 101, those already buffered first, for a test that parses them itself.
     *
     * @param timeout how long one read may wait
     * @return the stream
     * @throws IOException if the socket is closed
     */
    public DataInputStream input(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        return in;
    }

    /**
     * Reads the next data or close frame, answering (or skipping) pings on the way.
     *
     * @param timeout how long to wait
     * @return the frame
     * @throws IOException on timeout ({@link SocketTimeoutException}) or a read failure
     */
    public Frame next(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            // The timeout is for the whole call: pings answered on the way do not extend it.
            armTimeout(deadline, timeout);
            Frame frame = readFrame();
            if (frame.opcode() == 0x9) {
                if (answerPings) {
                    sendFrame(0xA, frame.payload(), true);
                }
                continue;
            }
            if (frame.opcode() == 0xA) {
                continue;
            }
            return frame;
        }
    }

    /**
     * Reads frames until a ping arrives (answering nothing), for tests of the server's heartbeat.
     *
     * @param timeout how long to wait
     * @return the ping frame
     * @throws IOException on timeout or a read failure
     */
    public Frame nextPing(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            armTimeout(deadline, timeout);
            Frame frame = readFrame();
            if (frame.opcode() == 0x9) {
                return frame;
            }
        }
    }

    /**
     * Reads frames until a pong arrives.
     *
     * @param timeout how long to wait
     * @return the pong frame
     * @throws IOException on timeout or a read failure
     */
    public Frame nextPong(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            armTimeout(deadline, timeout);
            Frame frame = readFrame();
            if (frame.opcode() == 0xA) {
                return frame;
            }
        }
    }

    /**
     * Reads the next text frame.
     *
     * @param timeout how long to wait
     * @return its text
     * @throws IOException on timeout, or if a close or binary frame came instead
     */
    public String nextText(Duration timeout) throws IOException {
        Frame frame = next(timeout);
        if (frame.opcode() != 0x1) {
            throw new IOException("expected a text frame, got " + frame);
        }
        return frame.text();
    }

    /**
     * Reads until the server closes: skips data frames, returns the close frame's code and reason, or
     * {@link #NO_CLOSE_FRAME} when the connection ended without one.
     *
     * @param timeout how long to wait
     * @return the close
     * @throws IOException on timeout
     */
    public Close awaitClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (System.nanoTime() > deadline) {
                throw new SocketTimeoutException("no close within " + timeout);
            }
            Frame frame;
            try {
                frame = next(Duration.ofMillis(left));
            } catch (EOFException | java.net.SocketException e) {
                return new Close(NO_CLOSE_FRAME, "");
            }
            if (frame.opcode() == 0x8) {
                byte[] p = frame.payload();
                int code = p.length >= 2 ? ((p[0] & 0xFF) << 8) | (p[1] & 0xFF) : 1005;
                String reason = p.length > 2 ? new String(p, 2, p.length - 2, StandardCharsets.UTF_8) : "";
                return new Close(code, reason);
            }
        }
    }

    /**
     * @return true if the server has closed the connection (EOF or a close frame is next), within a short wait
     */
    public boolean isOpen() {
        try {
            return socket.isConnected() && !socket.isClosed();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }

    // Sets the socket's read timeout to what is left until the deadline; past it, times out at once.
    private void armTimeout(long deadline, Duration timeout) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException("nothing within " + timeout);
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
    }

    private Frame readFrame() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        if ((b1 & 0x80) != 0) {
            throw new IOException("server frames must not be masked");
        }
        long len = b1 & 0x7F;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return new Frame(b0 & 0x0F, (b0 & 0x80) != 0, payload);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        if (c == -1 && line.isEmpty()) {
            throw new EOFException("connection closed during the upgrade");
        }
        return line.toString();
    }

    private static String expectedAccept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A frame the server sent.
     *
     * @param opcode  its opcode
     * @param fin     final fragment
     * @param payload its payload
     */
    public record Frame(int opcode, boolean fin, byte[] payload) {
        /**
         * @return the payload as UTF-8 text
         */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Frame[opcode=" + opcode + ", fin=" + fin + ", " + (opcode == 1 || opcode == 8 ? text()
                    : payload.length + " bytes") + "]";
        }
    }

    /**
     * How the server closed.
     *
     * @param code   close code
     * @param reason close reason
     */
    public record Close(int code, String reason) {
    }
}
