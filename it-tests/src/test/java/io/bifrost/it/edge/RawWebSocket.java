package io.bifrost.it.edge;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A websocket as an attacker drives it: any handshake headers, any frame bytes (unmasked, reserved bits and opcodes,
 * lying lengths, fragmented control frames), and a record of every byte the server sent after its 101, so a test can
 * prove that nothing but frames ever came back.
 */
final class RawWebSocket implements AutoCloseable {
    static final int TEXT = 0x1;
    static final int CONTINUATION = 0x0;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;
    /** What {@link #awaitClose} reports when the connection ended without a close frame. */
    static final int NO_CLOSE_FRAME = -1;

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final ByteArrayOutputStream received;

    private RawWebSocket(Socket socket, DataInputStream in, ByteArrayOutputStream received) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = in;
        this.received = received;
    }

    /**
     * A handshake request, built header by header so a test can change or drop any one of them.
     *
     * @param method  the method
     * @param path    the path
     * @param headers header names and values, in order
     */
    record Upgrade(String method, String path, Map<String, String> headers) {
        /**
         * @param base the gateway
         * @return {@code GET /subscribe} with a fresh random key, as a browser sends it
         */
        static Upgrade standard(URI base) {
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Host", base.getHost() + ":" + base.getPort());
            headers.put("Upgrade", "websocket");
            headers.put("Connection", "Upgrade");
            headers.put("Sec-WebSocket-Key", Base64.getEncoder().encodeToString(nonce));
            headers.put("Sec-WebSocket-Version", "13");
            return new Upgrade("GET", "/subscribe", headers);
        }

        /**
         * @param name  header name
         * @param value its value (replaces one of the same name)
         * @return a copy with the header set
         */
        Upgrade with(String name, String value) {
            Map<String, String> copy = new LinkedHashMap<>(headers);
            copy.put(name, value);
            return new Upgrade(method, path, copy);
        }

        /**
         * @param name header name
         * @return a copy without the header
         */
        Upgrade without(String name) {
            Map<String, String> copy = new LinkedHashMap<>(headers);
            copy.remove(name);
            return new Upgrade(method, path, copy);
        }

        /**
         * @param newMethod the method
         * @return a copy with that method
         */
        Upgrade method(String newMethod) {
            return new Upgrade(newMethod, path, headers);
        }

        /**
         * @return the request head, exact bytes
         */
        String head() {
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            return head.append("\r\n").toString();
        }
    }

    /**
     * Upgrades with a standard handshake.
     *
     * @param base the gateway
     * @return the open socket
     * @throws IOException if the connection fails; an {@link AssertionError} if the answer is not a correct 101
     */
    static RawWebSocket open(URI base) throws IOException {
        return open(base, Upgrade.standard(base));
    }

    /**
     * Upgrades with the given handshake; the answer must be a 101 with the right {@code Sec-WebSocket-Accept}.
     *
     * @param base    the gateway
     * @param upgrade the handshake request
     * @return the open socket
     * @throws IOException if the connection fails; an {@link AssertionError} if the answer is not a correct 101
     */
    static RawWebSocket open(URI base, Upgrade upgrade) throws IOException {
        return open(base, upgrade, 0);
    }

    /**
     * Upgrades with a given receive buffer: a small one makes a client that stops reading back up sooner.
     *
     * @param base          the gateway
     * @param upgrade       the handshake request
     * @param receiveBuffer SO_RCVBUF, or 0 for the default
     * @return the open socket
     * @throws IOException if the connection fails; an {@link AssertionError} if the answer is not a correct 101
     */
    static RawWebSocket open(URI base, Upgrade upgrade, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        try {
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(upgrade.head().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            // Buffered below the tee: the tee records exactly what was consumed, frame by frame.
            DataInputStream in = new DataInputStream(new Tee(new BufferedInputStream(socket.getInputStream()),
                    received));
            String head = readHead(in);
            received.reset();
            if (!head.startsWith("HTTP/1.1 101")) {
                throw new AssertionError("upgrade not accepted:\n" + head);
            }
            String key = upgrade.headers().get("Sec-WebSocket-Key");
            String expected = "sec-websocket-accept: " + accept(key).toLowerCase(Locale.ROOT);
            if (!head.toLowerCase(Locale.ROOT).contains(expected)) {
                throw new AssertionError("wrong Sec-WebSocket-Accept for key " + key + ":\n" + head);
            }
            return new RawWebSocket(socket, in, received);
        } catch (IOException | RuntimeException | Error e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Builds a frame byte by byte.
     *
     * @param firstByte FIN, RSV1-3 and opcode, as they go on the wire
     * @param payload   the payload
     * @param masked    whether to mask it (a client must)
     * @return the frame's bytes
     */
    static byte[] frame(int firstByte, byte[] payload, boolean masked) {
        int n = payload.length;
        ByteArrayOutputStream frame = new ByteArrayOutputStream(n + 14);
        frame.write(firstByte);
        int maskBit = masked ? 0x80 : 0;
        if (n < 126) {
            frame.write(maskBit | n);
        } else if (n < 65536) {
            frame.write(maskBit | 126);
            frame.write(n >>> 8);
            frame.write(n & 0xFF);
        } else {
            frame.write(maskBit | 127);
            for (int i = 7; i >= 0; i--) {
                frame.write((int) ((long) n >>> (8 * i)) & 0xFF);
            }
        }
        byte[] body = payload.clone();
        if (masked) {
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            frame.writeBytes(mask);
            for (int i = 0; i < n; i++) {
                body[i] ^= mask[i & 3];
            }
        }
        frame.writeBytes(body);
        return frame.toByteArray();
    }

    /**
     * @param fin     final fragment
     * @param opcode  the opcode
     * @param payload the payload
     * @return a masked frame with clear reserved bits
     */
    static byte[] frame(boolean fin, int opcode, byte[] payload) {
        return frame((fin ? 0x80 : 0) | opcode, payload, true);
    }

    /**
     * @param code   a close code (any number, valid or not)
     * @param reason its reason
     * @return a close frame's payload
     */
    static byte[] closePayload(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        return payload;
    }

    /**
     * Writes bytes as they are.
     *
     * @param bytes frames, or anything else
     * @throws IOException on a write failure
     */
    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Sends a masked text frame.
     *
     * @param text the text
     * @throws IOException on a write failure
     */
    void sendText(String text) throws IOException {
        send(frame(true, TEXT, text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Reads the next text frame, skipping the server's pings and pongs.
     *
     * @param timeout how long to wait
     * @return its text
     * @throws IOException on timeout or EOF; an {@link AssertionError} if another kind of frame came
     */
    String nextText(Duration timeout) throws IOException {
        Frame frame = nextFrame(timeout);
        if (frame.opcode() != TEXT) {
            throw new AssertionError("expected a text frame, got " + frame);
        }
        return frame.text();
    }

    /**
     * Reads the next frame that is not a ping or pong.
     *
     * @param timeout how long to wait
     * @return the frame
     * @throws IOException on timeout or EOF
     */
    Frame nextFrame(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        while (true) {
            Frame frame = readFrame();
            if (frame.opcode() != PING && frame.opcode() != PONG) {
                return frame;
            }
        }
    }

    /**
     * Reads the next pong, skipping pings.
     *
     * @param timeout how long to wait
     * @return the pong
     * @throws IOException on timeout or EOF
     */
    Frame nextPong(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        while (true) {
            Frame frame = readFrame();
            if (frame.opcode() == PONG) {
                return frame;
            }
        }
    }

    /**
     * Reads until the server's close frame (text frames before it are skipped), answers it as a client should, and
     * then reads until the server ends the connection; what arrives after the close frame is reported.
     *
     * @param timeout how long to wait for the close frame, and again for the end of the connection
     * @return how it closed
     * @throws IOException on a read failure other than EOF or reset
     */
    Closed awaitClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Frame close = null;
        while (close == null) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("no close frame within " + timeout + "; received so far:\n" + receivedText());
            }
            socket.setSoTimeout((int) left);
            try {
                Frame frame = readFrame();
                if (frame.opcode() == CLOSE) {
                    close = frame;
                }
            } catch (EOFException | SocketException e) {
                return new Closed(NO_CLOSE_FRAME, "", true, "");
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no close frame within " + timeout + "; received so far:\n"
                        + receivedText());
            }
        }
        byte[] payload = close.payload();
        int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        int closeEnds = received.size();
        try {
            send(frame(true, CLOSE, payload.length >= 2 ? closePayload(code, "") : new byte[0]));
        } catch (IOException e) {
            // The server has already gone; that is allowed after its close frame.
        }
        boolean ended = readToEnd(timeout);
        byte[] all = received.toByteArray();
        String after = new String(all, closeEnds, all.length - closeEnds, StandardCharsets.ISO_8859_1);
        return new Closed(code, reason, ended, after);
    }

    // Reads (into the record of received bytes) until the server ends the connection or the wait is over.
    private boolean readToEnd(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buffer = new byte[8192];
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) left);
            try {
                if (in.read(buffer) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true;
            }
        }
    }

    /**
     * @return every byte received after the 101 head so far, as ISO-8859-1 text
     */
    String receivedText() {
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }

    private Frame readFrame() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long length = b1 & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        if ((b1 & 0x80) != 0 || length < 0 || length > 16 * 1024 * 1024) {
            throw new AssertionError("not a server frame (masked or absurd length " + length + "):\n"
                    + receivedText());
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return new Frame(b0, payload);
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                return head.toString();
            }
            if (head.length() > 16384) {
                break;
            }
        }
        throw new AssertionError("no complete response head to the upgrade:\n" + head);
    }

    private static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(
                    (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A frame from the server.
     *
     * @param firstByte FIN, RSV and opcode as received
     * @param payload   its payload
     */
    record Frame(int firstByte, byte[] payload) {
        int opcode() {
            return firstByte & 0x0F;
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Frame[opcode=" + opcode() + ", " + (opcode() == TEXT || opcode() == CLOSE ? text()
                    : payload.length + " bytes") + "]";
        }
    }

    /**
     * How the server closed a socket.
     *
     * @param code   its close code, or {@link #NO_CLOSE_FRAME}
     * @param reason its close reason
     * @param ended  whether the TCP connection then ended within the wait
     * @param after  bytes the server sent after its close frame (must be none)
     */
    record Closed(int code, String reason, boolean ended, String after) {
    }

    /** Keeps a copy of every byte read. */
    private static final class Tee extends FilterInputStream {
        private final ByteArrayOutputStream copy;

        Tee(InputStream in, ByteArrayOutputStream copy) {
            super(in);
            this.copy = copy;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                copy.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                copy.write(b, off, n);
            }
            return n;
        }
    }
}
