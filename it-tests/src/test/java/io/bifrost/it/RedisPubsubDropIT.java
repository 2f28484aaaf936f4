package io.bifrost.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.Test;

import static io.bifrost.it.FaultKit.awaitClusterCount;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.it.FaultKit.frame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 3, narrowest case: Redis drops only the pub/sub connection (what {@code client-output-buffer-limit pubsub}
 * does to a slow subscriber, or a proxy to one idle-looking connection) and Lettuce reconnects it.
 *
 * <p>Once the instance is back (it refused broadcasts with 503 while the connection was down, and accepts them again),
 * every broadcast it answers 200 must reach its own subscribed socket: it must not declare itself up (accepting
 * broadcasts, {@code /health/ready} 200) before its channels are re-subscribed. The window is a few milliseconds wide, so the test repeats the drop (bounded in rounds and time)
 * and fails on the first broadcast that is accepted and lost.
 */
class RedisPubsubDropIT {
    private static final String CHANNEL = "drop";
    private static final int ROUNDS = 200;
    private static final Duration BUDGET = Duration.ofSeconds(20);
    private static final Duration PHASE = Duration.ofSeconds(2);

    @Test
    void aBroadcastAcceptedAfterTheInstanceIsReadyAgainReachesItsOwnSocket() throws Exception {
        try (RedisServer redis = RedisServer.start();
             Cluster cluster = Cluster.start(redis, 1, "pubsub-drop:",
                     Limits.DEFAULTS.withPingInterval(Duration.ofSeconds(50)));
             WsClient socket = TestGateway.subscriber(cluster.get(0), CHANNEL);
             Socket admin = new Socket("127.0.0.1", URI.create(redis.url()).getPort())) {
            Gateway gateway = cluster.get(0);
            awaitClusterCount(cluster.all(), CHANNEL, 1, TestGateway.WAIT);
            admin.setSoTimeout(5_000);
            List<String> lost = new ArrayList<>();
            int observed = 0;
            int round = 0;
            long deadline = System.nanoTime() + BUDGET.toNanos();
            for (; round < ROUNDS && lost.isEmpty() && System.nanoTime() < deadline; round++) {
                String killed = command(admin, "CLIENT", "KILL", "TYPE", "pubsub");
                // Broadcast back to back (bounded) until the instance has refused one (it noticed the drop) and then
                // accepts one again: that first 200 after a 503 is the earliest moment it declares itself back.
                boolean refusedOne = false;
                TestGateway.Reply accepted = null;
                String data = null;
                long phaseEnd = System.nanoTime() + PHASE.toNanos();
                for (int k = 0; accepted == null && System.nanoTime() < phaseEnd; k++) {
                    data = "round-" + round + "-" + k;
                    TestGateway.Reply reply = broadcast(gateway.uri(), CHANNEL, "e", data);
                    refusedOne |= reply.status() == 503;
                    if (refusedOne && reply.status() == 200) {
                        accepted = reply;
                    }
                }
                if (accepted == null) {
                    continue;
                }
                observed++;
                if (!awaitFrame(socket, frame("e", data), PHASE)) {
                    lost.add(data + ": CLIENT KILL replied " + killed + "; the instance answered 503 (Redis"
                            + " unreachable), then accepted this broadcast with " + accepted.status() + " "
                            + accepted.body() + ", and it never reached the socket subscribed on that same instance");
                }
            }
            System.err.println("RedisPubsubDropIT: " + round + " rounds, " + observed + " with a 503 then a 200 observed, lost " + lost.size());
            assertTrue(lost.isEmpty(), "accepted (200) after the instance was back, and lost (round "
                    + round + " of at most " + ROUNDS + "): " + lost);
            assertTrue(observed > 0, "never saw the instance refuse and then accept a broadcast again after a pub/sub drop");
        }
    }

    /** Reads frames until the expected one (older, late ones are skipped); false if it did not come in time. */
    private static boolean awaitFrame(WsClient socket, String expected, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            try {
                if (expected.equals(socket.nextText(Duration.ofMillis(left)))) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            }
        }
    }

    /** One RESP command on an open connection; returns the first reply line (enough for integer/status replies). */
    private static String command(Socket admin, String... args) throws IOException {
        StringBuilder request = new StringBuilder("*" + args.length + "\r\n");
        for (String arg : args) {
            request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg)
                    .append("\r\n");
        }
        OutputStream out = admin.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = admin.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
