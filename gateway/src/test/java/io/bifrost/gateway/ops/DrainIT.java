package io.bifrost.gateway.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.get;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrainIT {

    @Test
    void drainTurnsReadinessFalseRefusesNewSocketsAndClosesOpenOnesWith1012AfterWhatWasQueued() throws Exception {
        Gateway gateway = TestGateway.start();
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                clients.add(subscriber(gateway, "drain"));
            }
            assertEquals(200, get(gateway.uri(), "/health/ready").status());
            // Accepted before the drain: must still reach every socket before its close frame.
            assertEquals(200, broadcast(gateway, "drain", "before", "drain").status());

            CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> gateway.drain(Duration.ofSeconds(4)));
            awaitStatus(gateway, "/health/ready", 503);
            assertEquals("{\"status\":\"DOWN\",\"detail\":\"draining\"}", get(gateway.uri(), "/health/ready").body());
            // New sockets are refused with a plain HTTP 503 instead of an upgrade.
            java.io.IOException refused = assertThrows(java.io.IOException.class, () -> WsClient.connect(gateway.uri()));
            assertTrue(refused.getMessage().contains("503"), refused.getMessage());

            // Spread over the window, one socket at a time (about a second apart here): every intermediate count
            // of sockets still on the channel is seen, rather than 4 dropping to 0 at once.
            java.util.Set<Integer> seen = new java.util.TreeSet<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!seen.contains(0) && System.nanoTime() < deadline) {
                seen.add(gateway.subscribers("drain"));
                Thread.sleep(10);
            }
            assertTrue(seen.containsAll(List.of(0, 1, 2, 3)), "counts seen while draining: " + seen);
            for (WsClient client : clients) {
                assertEquals("{\"event\":\"before\",\"data\":\"drain\"}", client.nextText(WAIT));
                assertEquals(new WsClient.Close(1012, "Server restarting"), client.awaitClose(WAIT));
            }
            drained.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            clients.forEach(WsClient::close);
            gateway.close();
        }
    }

    private static void awaitStatus(Gateway gateway, String path, int status) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (get(gateway.uri(), path).status() != status && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(status, get(gateway.uri(), path).status());
    }
}
