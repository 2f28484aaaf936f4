package io.bifrost.it;

import java.time.Duration;
import java.util.List;

import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.subscribed;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static io.bifrost.gateway.testkit.TestGateway.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Cluster counts after a slow SUBSCRIBE: a socket is counted in {@code deliveries} within about a second of its
 * {@code subscribed}, however long Redis took to confirm the subscription (PROTOCOL.md, "Cluster semantics").
 *
 * <p>Redis is frozen for longer than one count tick (250 ms) while the socket authenticates, so a count flush
 * runs between the bus join and the socket's entry in the hub.
 */
class SlowSubscribeCountIT {

    @Test
    @SuppressWarnings("try") // the socket on "other" is only there to keep a counts hash non-empty
    void aSocketWhoseSubscribeWasSlowIsStillCountedInDeliveries() throws Exception {
        try (RedisServer redis = RedisServer.start();
             Cluster cluster = Cluster.start(redis, 2);
             // Another channel on the same instance keeps that instance's counts hash in Redis non-empty.
             WsClient other = subscriber(cluster.get(0), "other");
             WsClient client = WsClient.connect(cluster.get(0).uri())) {
            ClusterDeliveryIT.awaitClusterCount(cluster, "other", 1);
            // Held well under the 2 s command timeout: no outage, just a slow SUBSCRIBE.
            redis.pause();
            try {
                client.authenticate(tokens().subscribeToken(List.of("slow"), Duration.ofMinutes(1)));
                Thread.sleep(700);
            } finally {
                redis.unpause();
            }
            assertEquals(subscribed("slow"), client.nextText(WAIT));
            ClusterDeliveryIT.awaitClusterCount(cluster, "slow", 1);
            var reply = broadcast(cluster.get(1), "slow", "e", "d");
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}", reply.body());
            assertEquals("{\"event\":\"e\",\"data\":\"d\"}", client.nextText(WAIT));
        }
    }
}
