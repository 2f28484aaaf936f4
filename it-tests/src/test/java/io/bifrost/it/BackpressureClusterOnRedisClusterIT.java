package io.bifrost.it;

import io.bifrost.it.redis.RedisCluster;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link BackpressureClusterIT} on a Redis Cluster of three primaries: the publish script holds a broadcast back by
 * the behind instance's count in the channel's own slot, the candidates taken from the local copy of the marks.
 */
class BackpressureClusterOnRedisClusterIT extends BackpressureClusterIT {
    // Runs after BackpressureClusterIT's: the same tests, on a cluster instead.
    @BeforeAll
    static void startCluster() {
        redis.close();
        redis = RedisCluster.start(3, 0);
    }
}
