package io.bifrost.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection a backend would hold to post broadcasts: one request at a time, as
 * {@code POST /broadcast} clients do. Loop thread only.
 */
final class HttpConnection implements EventLoop.Handler {
    private static final byte[] HEADER_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DELIVERIES = "\"deliveries\":".getBytes(StandardCharsets.US_ASCII);

    private final Publisher publisher;
    private final InetSocketAddress target;
    private SocketChannel ch;
    private SelectionKey key;
    private boolean connected;
    private ByteBuffer out;
    private byte[] in = new byte[4096];
    private int inLength;
    private int inFlight = -1;
    private long restingUntil;

    HttpConnection(Publisher publisher, InetSocketAddress target) {
        this.publisher = publisher;
        this.target = target;
    }

    InetSocketAddress target() {
        return target;
    }

    void connect(EventLoop loop) throws IOException {
        ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        connected = ch.connect(target);
        key = loop.register(ch, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
    }

    boolean open() {
        return ch != null && ch.isOpen();
    }

    boolean idle(long now) {
        return connected && inFlight < 0 && now - restingUntil >= 0;
    }

    boolean busy() {
        return inFlight >= 0;
    }

    void restUntil(long nanos) {
        restingUntil = nanos;
    }

    void send(int id, byte[] request) throws IOException {
        inFlight = id;
        inLength = 0;
        out = ByteBuffer.wrap(request);
        ch.write(out);
        if (out.hasRemaining()) {
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        } else {
            out = null;
        }
    }

    @Override
    public void ready(SelectionKey k) throws IOException {
        if (k.isConnectable()) {
            if (ch.finishConnect()) {
                connected = true;
                k.interestOps(SelectionKey.OP_READ);
                publisher.connected(this);
            }
            return;
        }
        if (k.isWritable() && out != null) {
            ch.write(out);
            if (!out.hasRemaining()) {
                out = null;
                k.interestOps(SelectionKey.OP_READ);
            }
        }
        if (k.isValid() && k.isReadable()) {
            read();
        }
    }

    private void read() throws IOException {
        if (inLength == in.length) {
            in = Arrays.copyOf(in, in.length * 2);
        }
        int n = ch.read(ByteBuffer.wrap(in, inLength, in.length - inLength));
        if (n < 0) {
            lost("the gateway closed the connection");
            return;
        }
        inLength += n;
        int headerEnd = WsFrames.indexOf(in, 0, inLength, HEADER_END);
        if (headerEnd < 0) {
            return;
        }
        String head = new String(in, 0, headerEnd, StandardCharsets.ISO_8859_1);
        int contentLength = 0;
        boolean close = false;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                contentLength = Integer.parseInt(value);
            } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
                close = true;
            } else if (name.equals("transfer-encoding")) {
                throw new IOException("chunked answers are not expected from /broadcast: " + head);
            }
        }
        int bodyStart = headerEnd + HEADER_END.length;
        if (inLength < bodyStart + contentLength) {
            return;
        }
        int status = head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
        int deliveries = -1;
        int d = WsFrames.indexOf(in, bodyStart, bodyStart + contentLength, DELIVERIES);
        if (d >= 0) {
            int i = d + DELIVERIES.length;
            deliveries = 0;
            while (i < bodyStart + contentLength && in[i] >= '0' && in[i] <= '9') {
                deliveries = deliveries * 10 + (in[i++] - '0');
            }
        }
        String body = status == 200 ? null : new String(in, bodyStart, contentLength, StandardCharsets.UTF_8);
        int id = inFlight;
        inFlight = -1;
        inLength = 0;
        if (close) {
            closeChannel();
        }
        publisher.answered(this, id, status, deliveries, body);
    }

    @Override
    public void failed(Exception e) {
        lost(e.toString());
    }

    private void lost(String why) {
        closeChannel();
        int id = inFlight;
        inFlight = -1;
        publisher.lost(this, id, why);
    }

    private void closeChannel() {
        connected = false;
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    void close() {
        closeChannel();
    }
}
