package io.bifrost.it.recovery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of Redis that holds back pub/sub messages on their way to the client by a fixed delay, and
 * passes everything else (command replies, subscribe confirmations) at once: an instance behind it hears of a
 * broadcast over pub/sub later than the instance that published it answered 200, as on a loaded network. It can also
 * cut the instance off Redis for a while ({@link #cutAndHold()}) while other instances go on. Only 127.0.0.1.
 */
final class LaggingProxy implements AutoCloseable {
    // A pub/sub message push as RESP2 and RESP3 frame it: its kind as a bulk string of 7 bytes.
    private static final byte[] MESSAGE = "$7\r\nmessage\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final int redisPort;
    private final Duration lag;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean holding;

    LaggingProxy(URI redis, Duration lag) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.redisPort = redis.getPort();
        this.lag = lag;
        Thread.ofPlatform().daemon().name("lagging-proxy").start(this::accept);
    }

    /**
     * @return the URL to give the instance instead of Redis's
     */
    String url() {
        return "redis://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (holding) {
                    // Redis "unreachable": the connection is accepted and dropped at once.
                    client.close();
                    continue;
                }
                Socket upstream = new Socket("127.0.0.1", redisPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                InputStream fromClient = client.getInputStream();
                InputStream fromRedis = upstream.getInputStream();
                Thread.ofPlatform().daemon().start(() -> pump(fromClient, upstream, false));
                Thread.ofPlatform().daemon().start(() -> pump(fromRedis, client, true));
            } catch (IOException e) {
                // Closed, or Redis refused: the client sees its connection end and reconnects.
            }
        }
    }

    /**
     * Drops every connection through the proxy and refuses new ones (accepted, then closed) until {@link #release()}:
     * for the instance behind it, Redis is gone; for every other instance, nothing happened.
     */
    void cutAndHold() throws IOException {
        holding = true;
        for (Socket socket : sockets) {
            socket.close();
        }
        sockets.clear();
    }

    /** Lets connections through again. */
    void release() {
        holding = false;
    }

    private void pump(InputStream from, Socket to, boolean downstream) {
        byte[] buffer = new byte[65536];
        try (to) {
            OutputStream out = to.getOutputStream();
            for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                if (downstream && contains(buffer, n, MESSAGE)) {
                    Thread.sleep(lag.toMillis());
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // Either side ended.
        }
    }

    private static boolean contains(byte[] buffer, int length, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buffer[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
