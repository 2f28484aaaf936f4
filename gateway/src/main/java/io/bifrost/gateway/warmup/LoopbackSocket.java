package io.bifrost.gateway.warmup;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;

/**
 * A subscriber socket the warm-up opens to its own gateway: just enough of a websocket client to upgrade, send text,
 * answer pings and close politely. Every read is bounded by the socket's timeout, so a stuck step fails, not hangs.
 * Not {@link io.bifrost.protocol.BifrostSubscriber}, for the reason {@link LoopbackPublisher} gives: the JDK's
 * websocket client would compile its own stack on the core meant for the gateway's.
 */
final class LoopbackSocket implements AutoCloseable {
    private static final int TEXT = 0x1;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SplittableRandom random;

    private LoopbackSocket(Socket socket, SplittableRandom random) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 2048);
        this.out = socket.getOutputStream();
        this.random = random;
    }

    /**
     * Opens a socket and completes the websocket handshake.
     *
     * @param address the gateway
     * @param timeoutMillis bound on the connect and on every read
     * @param random mask keys and the handshake's key
     * @return the upgraded socket
     * @throws IOException if the gateway refuses or does not answer in time
     */
    static LoopbackSocket open(InetSocketAddress address, int timeoutMillis, SplittableRandom random)
            throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(address, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            LoopbackSocket ws = new LoopbackSocket(socket, random);
            ws.handshake(address);
            return ws;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void handshake(InetSocketAddress address) throws IOException {
        byte[] key = new byte[16];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) random.nextInt(256);
        }
        out.write(("GET /subscribe HTTP/1.1\r\nHost: " + HttpLines.host(address) + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String status = HttpLines.read(in);
        if (!status.startsWith("HTTP/1.1 101")) {
            throw new IOException("the upgrade was answered " + status);
        }
        while (!HttpLines.read(in).isEmpty()) {
            // Headers: the accept key is the gateway's own, checked by its tests.
        }
    }

    /**
     * @param text a text message to send
     * @throws IOException if the socket failed
     */
    void send(String text) throws IOException {
        write(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @return the next text message; pings are answered on the way
     * @throws IOException if the socket failed, timed out or was closed by the gateway
     */
    String receive() throws IOException {
        while (true) {
            int first = readByte();
            int second = readByte();
            long length = second & 0x7F;
            if (length == 126) {
                length = (readByte() << 8) | readByte();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | readByte();
                }
            }
            if (length > 1 << 20) {
                throw new IOException("a frame of " + length + " bytes");
            }
            byte[] payload = in.readNBytes((int) length);
            if (payload.length < length) {
                throw new EOFException("the gateway ended the connection mid-frame");
            }
            switch (first & 0x0F) {
                case TEXT -> {
                    return new String(payload, StandardCharsets.UTF_8);
                }
                case PING -> write(PONG, payload);
                case CLOSE -> throw new IOException("the gateway closed the socket"
                        + (payload.length >= 2 ? " with " + (((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF)) : ""));
                default -> {
                    // Pongs and anything else carry nothing the warm-up needs.
                }
            }
        }
    }

    /**
     * Closes politely: a close frame, the gateway's answer, then the TCP connection.
     */
    @Override
    public void close() {
        try {
            write(CLOSE, new byte[] {(byte) (1000 >> 8), (byte) (1000 & 0xFF)});
            while (true) {
                int first = readByte();
                int length = readByte() & 0x7F;
                in.skipNBytes(length);
                if ((first & 0x0F) == CLOSE) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Closing anyway.
        } finally {
            try {
                socket.close();
            } catch (IOException e) {
                // Nothing left to release.
            }
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the gateway ended the connection");
        }
        return b;
    }

    // Client frames are masked (RFC 6455 5.3); the payloads here are small, so one write per frame.
    private void write(int opcode, byte[] payload) throws IOException {
        int header = payload.length < 126 ? 2 : 4;
        byte[] frame = new byte[header + 4 + payload.length];
        frame[0] = (byte) (0x80 | opcode);
        if (payload.length < 126) {
            frame[1] = (byte) (0x80 | payload.length);
        } else if (payload.length <= 0xFFFF) {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (payload.length >> 8);
            frame[3] = (byte) payload.length;
        } else {
            throw new IOException("a warm-up frame of " + payload.length + " bytes");
        }
        int mask = random.nextInt();
        for (int i = 0; i < 4; i++) {
            frame[header + i] = (byte) (mask >> (24 - 8 * i));
        }
        for (int i = 0; i < payload.length; i++) {
            frame[header + 4 + i] = (byte) (payload[i] ^ frame[header + (i & 3)]);
        }
        out.write(frame);
    }
}
