package io.bifrost.it;

import java.util.ArrayList;
import java.util.List;

import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.protocol.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.get;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Scenario 1 and 6: three instances on one Redis act as one Bifrost; two apps with different prefixes on the same
 * Redis never see each other.
 */
class ClusterDeliveryIT {
    static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void broadcastsPostedToEachInstanceReachEverySocketOnEveryInstanceOnceAndInOrder() throws Exception {
        try (Cluster cluster = Cluster.start(redis, 3)) {
            List<WsClient> onNews = new ArrayList<>();
            List<WsClient> onOther = new ArrayList<>();
            try {
                for (int i = 0; i < 9; i++) {
                    onNews.add(subscriber(cluster.get(i % 3), "news"));
                    onOther.add(subscriber(cluster.get(i % 3), "other"));
                }
                awaitClusterCount(cluster, "news", 9);
                for (int round = 0; round < 30; round++) {
                    var reply = broadcast(cluster.get(round % 3), "news", "n", String.valueOf(round));
                    assertEquals("{\"message\":\"Success\",\"deliveries\":9}", reply.body());
                }
                for (WsClient client : onNews) {
                    for (int round = 0; round < 30; round++) {
                        assertEquals("{\"event\":\"n\",\"data\":\"" + round + "\"}", client.nextText(WAIT));
                    }
                }
                // Nothing else was queued for them, and nothing at all for the other channel's sockets.
                broadcast(cluster.get(0), "other", "o", "only");
                for (WsClient client : onOther) {
                    assertEquals("{\"event\":\"o\",\"data\":\"only\"}", client.nextText(WAIT));
                }
                broadcast(cluster.get(1), "news", "n", "last");
                for (WsClient client : onNews) {
                    assertEquals("{\"event\":\"n\",\"data\":\"last\"}", client.nextText(WAIT));
                }
                FaultKit.awaitConnected(cluster.get(2).uri(), 18, WAIT);
            } finally {
                onNews.forEach(WsClient::close);
                onOther.forEach(WsClient::close);
            }
        }
    }

    @Test
    void twoAppsWithDifferentPrefixesOnOneRedisNeverSeeEachOthersMessages() throws Exception {
        try (Cluster appA = Cluster.start(redis, 1, "app-a:", io.bifrost.gateway.config.Limits.DEFAULTS);
             Cluster appB = Cluster.start(redis, 1, "app-b:", io.bifrost.gateway.config.Limits.DEFAULTS);
             WsClient onA = subscriber(appA.get(0), "shared-name");
             WsClient onB = subscriber(appB.get(0), "shared-name")) {
            awaitClusterCount(appA, "shared-name", 1);
            awaitClusterCount(appB, "shared-name", 1);
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}",
                    broadcast(appA.get(0), "shared-name", "from", "a").body());
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}",
                    broadcast(appB.get(0), "shared-name", "from", "b").body());
            assertEquals("{\"event\":\"from\",\"data\":\"a\"}", onA.nextText(WAIT));
            assertEquals("{\"event\":\"from\",\"data\":\"b\"}", onB.nextText(WAIT));
        }
    }

    static void awaitClusterCount(Cluster cluster, String channel, int expected) throws InterruptedException {
        FaultKit.awaitClusterCount(cluster.all(), channel, expected, WAIT);
    }
}
