package io.bifrost.it;

import io.bifrost.it.redis.RedisCluster;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link SubscribeRaceIT} on a Redis Cluster of three primaries: {@code subscribed} is sent once the channel's shard
 * confirmed the SSUBSCRIBE, so a broadcast posted to the other instance right then is never missed.
 */
class SubscribeRaceOnRedisClusterIT extends SubscribeRaceIT {
    // Runs after SubscribeRaceIT's: the same tests, on a cluster instead.
    @BeforeAll
    static void startCluster() {
        redis.close();
        redis = RedisCluster.start(3, 0);
    }
}
