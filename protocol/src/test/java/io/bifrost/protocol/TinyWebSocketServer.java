package io.bifrost.protocol;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A websocket server for tests on a raw {@link ServerSocket}: the RFC 6455 handshake, unmasked server frames sent
 * exactly as the test says (fragmented, binary, pings, close), and the client's frames queued for the test to read.
 * It answers a client's close with a close, as a gateway does, and nothing else on its own.
 */
final class TinyWebSocketServer implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ServerSocket server;
    private final BlockingQueue<Peer> accepted = new LinkedBlockingQueue<>();
    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile int refuseWith;

    TinyWebSocketServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        acceptor = Thread.ofPlatform().daemon().name("tiny-ws-accept").start(this::acceptLoop);
    }

    /** @return {@code http://127.0.0.1:port}, the base URL a subscriber is given */
    URI base() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** @param status answer upgrades with this HTTP status instead of 101 (0 to accept again) */
    void refuseWith(int status) {
        this.refuseWith = status;
    }

    /** @return the next connection that completed its handshake */
    Peer accept() throws InterruptedException {
        Peer peer = accepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(peer, "no websocket connection within " + WAIT);
        return peer;
    }

    /** @return a connection that completed its handshake, if one is waiting */
    Peer acceptedNow() {
        return accepted.poll();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Peer peer : peers) {
            peer.drop();
        }
        try {
            acceptor.join(WAIT);
        } catch (InterruptedException e) {
            // AutoCloseable's close should not throw InterruptedException: keep the flag for the test's thread.
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                Peer peer = handshake(socket);
                if (peer != null) {
                    peers.add(peer);
                    accepted.add(peer);
                }
            } catch (IOException e) {
                // The server was closed, or one client failed its handshake: the loop condition decides.
            }
        }
    }

    private Peer handshake(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        OutputStream out = socket.getOutputStream();
        String requestLine = readLine(in);
        String key = null;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:")) {
                key = line.substring(line.indexOf(':') + 1).trim();
            }
        }
        int refusal = refuseWith;
        if (refusal != 0 || key == null) {
            out.write(("HTTP/1.1 " + (refusal != 0 ? refusal : 400) + " No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.close();
            return null;
        }
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return new Peer(socket, in, out, requestLine.split(" ")[1]);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c == -1) {
                throw new EOFException("connection closed during the handshake");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static String accept(String key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A frame the client sent, unmasked; continuation fragments are joined into their message.
     *
     * @param opcode  1 text, 2 binary, 8 close, 9 ping, 10 pong
     * @param payload the payload
     */
    record Frame(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }

        @Override
        public String toString() {
            return "Frame[" + opcode + ", " + (opcode == 1 ? text() : payload.length + " bytes") + "]";
        }
    }

    /** One accepted connection, driven by the test. */
    static final class Peer {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;
        private final String path;
        private final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
        private boolean closeSent;

        private Peer(Socket socket, DataInputStream in, OutputStream out, String path) {
            this.socket = socket;
            this.in = in;
            this.out = out;
            this.path = path;
            Thread.ofPlatform().daemon().name("tiny-ws-read").start(this::readLoop);
        }

        /** @return the request path of the upgrade, e.g. {@code /subscribe} */
        String path() {
            return path;
        }

        /** @return the next frame the client sent */
        Frame next() throws InterruptedException {
            Frame frame = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(frame, "the client sent nothing within " + WAIT);
            return frame;
        }

        /** @return the next frame's text, asserting it is a text frame */
        String nextText() throws InterruptedException {
            Frame frame = next();
            assertEquals(1, frame.opcode(), "expected a text frame, got " + frame);
            return frame.text();
        }

        /** @return a frame the client already sent, if any */
        Frame nextNow() {
            return received.poll();
        }

        void sendText(String text) throws IOException {
            send(0x1, true, text.getBytes(StandardCharsets.UTF_8));
        }

        /** Sends one text message in fragments, split at the given byte boundaries (even inside a character). */
        void sendFragmented(byte[] utf8, int... cuts) throws IOException {
            List<byte[]> parts = new ArrayList<>();
            int from = 0;
            for (int cut : cuts) {
                parts.add(java.util.Arrays.copyOfRange(utf8, from, cut));
                from = cut;
            }
            parts.add(java.util.Arrays.copyOfRange(utf8, from, utf8.length));
            for (int i = 0; i < parts.size(); i++) {
                send(i == 0 ? 0x1 : 0x0, i == parts.size() - 1, parts.get(i));
            }
        }

        void sendBinary(byte[] payload) throws IOException {
            send(0x2, true, payload);
        }

        void sendPing(byte[] payload) throws IOException {
            send(0x9, true, payload);
        }

        void sendClose(int code, String reason) throws IOException {
            byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            byte[] payload = new byte[2 + text.length];
            payload[0] = (byte) (code >>> 8);
            payload[1] = (byte) code;
            System.arraycopy(text, 0, payload, 2, text.length);
            send(0x8, true, payload);
        }

        /** Ends the TCP connection without a close frame, as a killed instance does. */
        void drop() {
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }

        private synchronized void send(int opcode, boolean fin, byte[] payload) throws IOException {
            if (opcode == 0x8) {
                closeSent = true;
            }
            int n = payload.length;
            byte[] header = n < 126 ? new byte[]{(byte) ((fin ? 0x80 : 0) | opcode), (byte) n}
                    : n < 65536 ? new byte[]{(byte) ((fin ? 0x80 : 0) | opcode), 126, (byte) (n >>> 8), (byte) n}
                    : longHeader(opcode, fin, n);
            out.write(header);
            out.write(payload);
            out.flush();
        }

        private static byte[] longHeader(int opcode, boolean fin, int n) {
            byte[] header = new byte[10];
            header[0] = (byte) ((fin ? 0x80 : 0) | opcode);
            header[1] = 127;
            for (int i = 0; i < 8; i++) {
                header[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
            }
            return header;
        }

        private void readLoop() {
            try {
                java.io.ByteArrayOutputStream message = new java.io.ByteArrayOutputStream();
                int messageOpcode = 0;
                while (true) {
                    int b0 = in.readUnsignedByte();
                    int b1 = in.readUnsignedByte();
                    long length = b1 & 0x7F;
                    if (length == 126) {
                        length = in.readUnsignedShort();
                    } else if (length == 127) {
                        length = in.readLong();
                    }
                    byte[] mask = new byte[4];
                    if ((b1 & 0x80) != 0) {
                        in.readFully(mask);
                    }
                    byte[] payload = new byte[(int) length];
                    in.readFully(payload);
                    for (int i = 0; i < payload.length; i++) {
                        payload[i] ^= mask[i & 3];
                    }
                    int opcode = b0 & 0x0F;
                    boolean fin = (b0 & 0x80) != 0;
                    if (opcode >= 0x8) {
                        received.add(new Frame(opcode, payload));
                        if (opcode == 0x8) {
                            synchronized (this) {
                                if (!closeSent) {
                                    send(0x8, true, payload.length >= 2 ? new byte[]{payload[0], payload[1]} : payload);
                                }
                            }
                            drop();
                            return;
                        }
                        continue;
                    }
                    if (opcode != 0x0) {
                        messageOpcode = opcode;
                    }
                    message.write(payload);
                    if (fin) {
                        received.add(new Frame(messageOpcode, message.toByteArray()));
                        message.reset();
                    }
                }
            } catch (IOException e) {
                // The connection ended: the test sees it by what it did or did not receive.
            }
        }
    }
}
