package io.bifrost.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * One browser, as the gateway sees it: connects to {@code /subscribe}, upgrades, authenticates with its channel's
 * token, waits for {@code subscribed}, then reads broadcasts and answers pings. Loop thread only.
 */
final class WsSocket implements EventLoop.Handler {
    enum State { NEW, CONNECTING, UPGRADING, AUTHENTICATING, SUBSCRIBED, CLOSED }

    private static final byte[] DATA = "\"data\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUBSCRIBED = "\"subscribed\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEADER_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    final int index;
    final int channel;
    private final Fleet fleet;
    private final InetSocketAddress target;
    private final InetAddress source;

    private State state = State.NEW;
    private SocketChannel ch;
    private SelectionKey key;
    private String upgradeKey;
    private byte[] pending;
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>(0);
    private int closeCode;
    private String closeReason = "";
    final SocketAccount account;

    WsSocket(Fleet fleet, int index, int channel, InetSocketAddress target, InetAddress source) {
        this.fleet = fleet;
        this.index = index;
        this.channel = channel;
        this.target = target;
        this.source = source;
        this.account = new SocketAccount(channel);
    }

    void connect() throws IOException {
        ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (source != null) {
            // Each source address has its own ephemeral ports: this is how one generator opens more sockets to one
            // gateway port than a single address has ports.
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(new InetSocketAddress(source, 0));
        }
        state = State.CONNECTING;
        if (ch.connect(target)) {
            key = fleet.loop().register(ch, SelectionKey.OP_READ, this);
            upgrade();
        } else {
            key = fleet.loop().register(ch, SelectionKey.OP_CONNECT, this);
        }
    }

    @Override
    public void ready(SelectionKey k) throws IOException {
        if (k.isConnectable()) {
            if (ch.finishConnect()) {
                k.interestOps(SelectionKey.OP_READ);
                upgrade();
            }
            return;
        }
        if (k.isWritable()) {
            flush();
        }
        if (k.isValid() && k.isReadable()) {
            read();
        }
    }

    private void upgrade() throws IOException {
        state = State.UPGRADING;
        upgradeKey = WsFrames.newKey(fleet.random());
        send(WsFrames.upgradeRequest(target.getHostString() + ":" + target.getPort(), "/subscribe", upgradeKey));
    }

    private void read() throws IOException {
        int carried = pending == null ? 0 : pending.length;
        byte[] buf = fleet.readBuffer(carried + 65536);
        if (carried > 0) {
            System.arraycopy(pending, 0, buf, 0, carried);
            pending = null;
        }
        ByteBuffer bb = ByteBuffer.wrap(buf, carried, buf.length - carried);
        int n = ch.read(bb);
        if (n < 0) {
            ended(1006, "connection closed without a close frame", state == State.SUBSCRIBED);
            return;
        }
        int end = carried + n;
        long now = System.nanoTime();
        int pos = 0;
        if (state == State.UPGRADING) {
            pos = upgraded(buf, end);
            if (pos < 0) {
                return;
            }
        }
        while (state != State.CLOSED) {
            long length = WsFrames.frameLength(buf, pos, end);
            if (length < 0 || end - pos < length) {
                break;
            }
            frame(buf, pos, (int) length, now);
            pos += (int) length;
        }
        if (state != State.CLOSED && pos < end) {
            pending = java.util.Arrays.copyOfRange(buf, pos, end);
        }
    }

    /** Reads the upgrade answer; returns where the frames after it start, or -1 if it is not complete yet. */
    private int upgraded(byte[] buf, int end) throws IOException {
        int headerEnd = WsFrames.indexOf(buf, 0, end, HEADER_END);
        if (headerEnd < 0) {
            if (end > 16384) {
                fail("upgrade answer has no end of headers within 16 KB");
                return -1;
            }
            pending = java.util.Arrays.copyOf(buf, end);
            return -1;
        }
        String head = new String(buf, 0, headerEnd, StandardCharsets.ISO_8859_1);
        if (!head.startsWith("HTTP/1.1 101")) {
            fail("upgrade refused: " + head.lines().findFirst().orElse(""));
            return -1;
        }
        String accept = null;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("sec-websocket-accept")) {
                accept = line.substring(colon + 1).trim();
            }
        }
        if (!WsFrames.expectedAccept(upgradeKey).equals(accept)) {
            fail("upgrade answer has Sec-WebSocket-Accept " + accept + ", expected "
                    + WsFrames.expectedAccept(upgradeKey));
            return -1;
        }
        state = State.AUTHENTICATING;
        send(fleet.authenticateFrame(channel));
        return headerEnd + HEADER_END.length;
    }

    private void frame(byte[] b, int pos, int length, long now) throws IOException {
        if (WsFrames.isMasked(b, pos)) {
            fail("the gateway sent a masked frame; servers must not mask");
            return;
        }
        int header = WsFrames.headerLength(b, pos);
        int off = pos + header;
        int len = length - header;
        switch (WsFrames.opcode(b, pos)) {
            case WsFrames.OP_TEXT, WsFrames.OP_CONTINUATION -> text(b, off, len, now);
            case WsFrames.OP_PING -> send(WsFrames.masked(WsFrames.OP_PONG,
                    java.util.Arrays.copyOfRange(b, off, off + len), fleet.random()));
            case WsFrames.OP_PONG -> {
                // we send no pings
            }
            case WsFrames.OP_CLOSE -> {
                int code = len >= 2 ? ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff) : 1005;
                String reason = len > 2 ? new String(b, off + 2, len - 2, StandardCharsets.UTF_8) : "";
                try {
                    send(WsFrames.closeFrame(code, fleet.random()));
                } catch (IOException e) {
                    // it is closing anyway
                }
                ended(code, reason, true);
            }
            default -> fail("unexpected opcode " + WsFrames.opcode(b, pos));
        }
    }

    private void text(byte[] b, int off, int len, long now) {
        int end = off + len;
        int data = WsFrames.indexOf(b, off, end, DATA);
        if (data >= 0) {
            int i = data + DATA.length;
            if (i < end && b[i] >= '0' && b[i] <= '9') {
                long id = 0;
                while (i < end && b[i] >= '0' && b[i] <= '9') {
                    id = id * 10 + (b[i++] - '0');
                }
                fleet.ledger().receipt(account, id, now);
                fleet.frameSeen(len + (len < 126 ? 2 : len < 65536 ? 4 : 10));
                return;
            }
        }
        if (state == State.AUTHENTICATING && WsFrames.indexOf(b, off, end, SUBSCRIBED) >= 0) {
            state = State.SUBSCRIBED;
            account.subscribed(now);
            fleet.subscribed(this);
            return;
        }
        fleet.unexpectedText(new String(b, off, len, StandardCharsets.UTF_8));
    }

    private void send(byte[] frame) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(frame);
        if (out.isEmpty()) {
            ch.write(buffer);
            if (!buffer.hasRemaining()) {
                return;
            }
            key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
        }
        out.add(buffer);
    }

    private void flush() throws IOException {
        while (!out.isEmpty()) {
            ByteBuffer head = out.peek();
            ch.write(head);
            if (head.hasRemaining()) {
                return;
            }
            out.poll();
        }
        key.interestOps(SelectionKey.OP_READ);
    }

    /** An I/O error is the peer's doing (a reset, a cut connection); anything else is a fault of this generator. */
    @Override
    public void failed(Exception e) {
        ended(1006, e.toString(), e instanceof IOException);
    }

    private void fail(String why) {
        ended(1006, why, false);
    }

    /** Closes the socket and tells the fleet; {@code byGateway}: the gateway ended it (close frame or EOF). */
    private void ended(int code, String reason, boolean byGateway) {
        if (state == State.CLOSED) {
            return;
        }
        State was = state;
        state = State.CLOSED;
        closeCode = code;
        closeReason = reason;
        account.closed(System.nanoTime(), byGateway && was == State.SUBSCRIBED);
        closeChannel();
        fleet.ended(this, was);
    }

    /** Our side closes: abortive (RST), so neither side keeps the port in TIME_WAIT after a run. */
    void abort() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        account.closed(System.nanoTime(), false);
        try {
            if (ch != null && ch.isOpen()) {
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException e) {
            // closing anyway
        }
        closeChannel();
    }

    private void closeChannel() {
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    boolean closedByGateway() {
        return account.closedByGateway();
    }

    int closeCode() {
        return closeCode;
    }

    String closeReason() {
        return closeReason;
    }
}
