package io.bifrost.it;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A deploy, end to end: two gateway processes on one Redis, sockets on both, broadcasts flowing; one process gets
 * SIGTERM. Its sockets are closed with 1012 over the drain window, reconnect to the survivor and authenticate
 * again; each receives every broadcast accepted after its new {@code subscribed}; the drained process exits 0.
 */
class DrainClusterIT {
    private static final int SOCKETS = 40;
    private static final int DRAIN_SECONDS = 3;
    private static final String CHANNEL = "deploy";

    @Test
    void sigtermDrainsOneInstanceAndEverySocketCarriesOnOnTheSurvivor(@TempDir Path dir) throws Exception {
        try (RedisServer redis = newRedis();
             GatewayProcess drained = GatewayProcess.start(env(redis, "drained"), dir);
             GatewayProcess survivor = GatewayProcess.start(env(redis, "survivor"), dir)) {
            URI[] instances = {drained.uri(), survivor.uri()};
            ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
            Broadcaster broadcaster = new Broadcaster(survivor.uri());
            List<Client> clients = new ArrayList<>();
            List<Future<?>> running = new ArrayList<>();
            try {
                for (int i = 0; i < SOCKETS; i++) {
                    Client client = new Client(instances[i % 2], survivor.uri(), broadcaster);
                    client.connect();
                    clients.add(client);
                }
                clients.forEach(c -> running.add(threads.submit(c)));
                Future<?> publishing = threads.submit(broadcaster);
                awaitCount(broadcaster.accepted, 20);

                drained.process().destroy(); // SIGTERM
                assertTrue(drained.process().waitFor(DRAIN_SECONDS + 10, TimeUnit.SECONDS),
                        "the drained process should exit within the window plus the close timeout");
                assertEquals(0, drained.process().exitValue(), drained.log());

                // Broadcasts go on until every client is back and has seen some after its return.
                for (Client client : clients) {
                    client.awaitBack();
                }
                int target = broadcaster.accepted.get() + 20;
                awaitCount(broadcaster.accepted, target);
                broadcaster.stop.set(true);
                publishing.get(30, TimeUnit.SECONDS);
                int last = broadcaster.lastAccepted();
                for (Client client : clients) {
                    client.awaitReceived(last);
                }
                int moved = 0;
                for (Client client : clients) {
                    Set<Integer> missing = client.missingSince(broadcaster.acceptedSeqs);
                    assertTrue(missing.isEmpty(), client + " missed " + missing);
                    moved += client.reconnects.get();
                }
                assertEquals(SOCKETS / 2, moved, "every socket of the drained instance, and only those, moved");
                assertEquals(0, broadcaster.refused.get(), "broadcasts to the survivor are never refused");
                clients.forEach(Client::stop);
                for (Future<?> client : running) {
                    client.get(10, TimeUnit.SECONDS); // rethrows what a client saw go wrong (e.g. a close other than 1012)
                }
            } finally {
                broadcaster.stop.set(true);
                clients.forEach(Client::stop);
                threads.shutdownNow();
            }
        }
    }

    /** @return the Redis the instances share (a subclass drains on a Redis Cluster) */
    RedisServer newRedis() {
        return RedisServer.start();
    }

    private static Map<String, String> env(RedisServer redis, String id) {
        return Map.of("JWT_SECRET", TestGateway.SECRET, "BIFROST_ENV", "production", "REDIS_URL", redis.url(),
                "BIFROST_REDIS_CLUSTER", String.valueOf(redis.cluster()),
                "BIFROST_INSTANCE_ID", id, "BIFROST_DRAIN_SECONDS", String.valueOf(DRAIN_SECONDS));
    }

    private static void awaitCount(AtomicInteger counter, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (counter.get() < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + counter.get() + " of " + atLeast);
            }
            Thread.sleep(10);
        }
    }

    /** Posts numbered broadcasts to the survivor, one after another, remembering which were accepted. */
    private static final class Broadcaster implements Runnable {
        private final URI target;
        private final AtomicInteger started = new AtomicInteger();
        private final AtomicInteger accepted = new AtomicInteger();
        private final AtomicInteger refused = new AtomicInteger();
        private final Set<Integer> acceptedSeqs = new ConcurrentSkipListSet<>();
        private final AtomicBoolean stop = new AtomicBoolean();

        Broadcaster(URI target) {
            this.target = target;
        }

        @Override
        public void run() {
            for (int i = 0; i < 100_000 && !stop.get(); i++) {
                int seq = started.incrementAndGet();
                if (TestGateway.broadcast(target, CHANNEL, "seq", String.valueOf(seq)).status() == 200) {
                    acceptedSeqs.add(seq);
                    accepted.incrementAndGet();
                } else {
                    refused.incrementAndGet();
                }
            }
        }

        int lastAccepted() {
            return acceptedSeqs.isEmpty() ? 0 : ((ConcurrentSkipListSet<Integer>) acceptedSeqs).last();
        }
    }

    /**
     * A browser: reads its socket; when the server closes it with 1012, reconnects to the survivor, authenticates
     * again and notes which broadcasts had been started by then: every accepted one after that must arrive.
     */
    private static final class Client implements Runnable {
        private final URI survivor;
        private final Broadcaster broadcaster;
        private final Set<Integer> received = ConcurrentHashMap.newKeySet();
        private final AtomicInteger reconnects = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final URI first;
        private volatile WsClient socket;
        private volatile int startedBeforeSubscribed;
        private volatile boolean back = true;

        Client(URI first, URI survivor, Broadcaster broadcaster) {
            this.first = first;
            this.survivor = survivor;
            this.broadcaster = broadcaster;
        }

        void connect() throws Exception {
            socket = TestGateway.subscriber(first, CHANNEL);
            back = first.equals(survivor);
            startedBeforeSubscribed = broadcaster.started.get();
        }

        @Override
        public void run() {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!stop.get() && System.nanoTime() < deadline) {
                try {
                    WsClient.Frame frame = socket.next(Duration.ofSeconds(1));
                    if (frame.opcode() == 0x8) {
                        int code = ((frame.payload()[0] & 0xFF) << 8) | (frame.payload()[1] & 0xFF);
                        if (code != 1012) {
                            throw new AssertionError("closed with " + code);
                        }
                        socket.close();
                        reconnects.incrementAndGet();
                        socket = TestGateway.subscriber(survivor, CHANNEL);
                        startedBeforeSubscribed = broadcaster.started.get();
                        back = true;
                        continue;
                    }
                    String text = frame.text();
                    String prefix = "{\"event\":\"seq\",\"data\":\"";
                    if (text.startsWith(prefix)) {
                        received.add(Integer.parseInt(text.substring(prefix.length(), text.length() - 2)));
                    }
                } catch (java.net.SocketTimeoutException e) {
                    // nothing this second
                } catch (Exception e) {
                    if (!stop.get()) {
                        throw new AssertionError(e);
                    }
                }
            }
        }

        void awaitBack() throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!back && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(back, this + " never came back");
        }

        void awaitReceived(int seq) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!received.contains(seq) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }

        Set<Integer> missingSince(Set<Integer> accepted) {
            Set<Integer> missing = new java.util.TreeSet<>();
            for (int seq : accepted) {
                if (seq > startedBeforeSubscribed && !received.contains(seq)) {
                    missing.add(seq);
                }
            }
            return missing;
        }

        void stop() {
            stop.set(true);
            WsClient s = socket;
            if (s != null) {
                s.close();
            }
        }

        @Override
        public String toString() {
            return "client first on " + first + " (reconnected " + reconnects.get() + "x)";
        }
    }
}
