package io.bifrost.it;

import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.it.redis.RedisServers;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The no-Docker path: Redis as a {@code redis-server} child process on a free port carries a two-instance cluster
 * exactly as the container does.
 */
class RedisProcessFallbackIT {

    @Test
    void aClusterOnAProcessRedisDeliversToEveryInstance() throws Exception {
        try (RedisServer redis = RedisServers.start(RedisServers.Kind.PROCESS, RedisServers.Tls.NONE)) {
            assertEquals("process", redis.kind());
            assertTrue(redis.url().startsWith("redis://127.0.0.1:"), redis.url());
            assertNotEquals("redis://127.0.0.1:6379", redis.url(), "must never use the shared Redis on 6379");
            assertTrue(redis.command("PING").startsWith("+PONG"));
            try (Cluster cluster = Cluster.start(redis, 2);
                 WsClient on0 = subscriber(cluster.get(0), "fallback");
                 WsClient on1 = subscriber(cluster.get(1), "fallback")) {
                ClusterDeliveryIT.awaitClusterCount(cluster, "fallback", 2);
                var reply = broadcast(cluster.get(0), "fallback", "hello", "from-process-redis");
                assertEquals(200, reply.status(), reply.body());
                assertEquals("{\"message\":\"Success\",\"deliveries\":2}", reply.body());
                assertEquals("{\"event\":\"hello\",\"data\":\"from-process-redis\"}", on0.nextText(WAIT));
                assertEquals("{\"event\":\"hello\",\"data\":\"from-process-redis\"}", on1.nextText(WAIT));
            }
        }
    }
}
