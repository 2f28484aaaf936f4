package io.bifrost.it.recovery;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.it.redis.RedisServer;

/**
 * Bounded waits on a cluster for the recovery tests: readiness after an outage, cluster-wide counts, and Redis's own
 * view of its clients.
 */
final class ClusterKit {
    private ClusterKit() {
    }

    /** Polls {@code /health/ready} (bounded) until it answers 200. */
    static void awaitReady(URI base, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                TestGateway.Reply reply = TestGateway.get(base, "/health/ready");
                if (reply.status() == 200) {
                    return;
                }
                last = reply.status() + " " + reply.body();
            } catch (RuntimeException e) {
                last = e.toString();
            }
            Thread.sleep(50);
        }
        throw new AssertionError(base + " not ready within " + timeout + "; last " + last);
    }

    /**
     * @param admin a connection to the server
     * @return the lines of {@code CLIENT LIST TYPE pubsub}: one per client subscribed to something
     */
    static List<String> pubsubClients(Admin admin) throws IOException {
        List<String> clients = new ArrayList<>();
        for (String line : admin.call("CLIENT", "LIST", "TYPE", "pubsub").split("\r?\n")) {
            if (line.startsWith("id=")) {
                clients.add(line);
            }
        }
        return clients;
    }

    /**
     * A plain RESP connection to Redis for the test's own commands ({@code CLIENT LIST}, {@code CLIENT KILL}): one
     * command, one reply, read exactly (no wait for more), so a test can act within a burst of broadcasts.
     */
    static final class Admin implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        Admin(RedisServer redis) throws IOException {
            URI uri = URI.create(redis.url());
            this.socket = new Socket("127.0.0.1", uri.getPort());
            socket.setSoTimeout(5_000);
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            this.out = socket.getOutputStream();
        }

        /**
         * @param args command and arguments
         * @return a status, error or integer reply as its text, a bulk string as it is, an array's elements one a line
         */
        String call(String... args) throws IOException {
            StringBuilder request = new StringBuilder("*" + args.length + "\r\n");
            for (String arg : args) {
                request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg)
                        .append("\r\n");
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply();
        }

        private String reply() throws IOException {
            String line = line();
            switch (line.charAt(0)) {
                case '$' -> {
                    int length = Integer.parseInt(line.substring(1));
                    if (length < 0) {
                        return "";
                    }
                    byte[] bulk = new byte[length];
                    in.readFully(bulk);
                    line();
                    return new String(bulk, StandardCharsets.UTF_8);
                }
                case '*' -> {
                    int count = Integer.parseInt(line.substring(1));
                    StringBuilder all = new StringBuilder();
                    for (int i = 0; i < count; i++) {
                        all.append(reply()).append('\n');
                    }
                    return all.toString();
                }
                default -> {
                    return line;
                }
            }
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c == -1) {
                    throw new EOFException("Redis closed the connection");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
