package io.bifrost.it;

import io.bifrost.it.redis.RedisCluster;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link ClusterDeliveryIT} on a Redis Cluster of three primaries: instances in cluster mode act as one Bifrost
 * (sharded pub/sub, cluster-wide counts), and two prefixes on one cluster never meet.
 */
class ClusterDeliveryOnRedisClusterIT extends ClusterDeliveryIT {
    // Runs after ClusterDeliveryIT's: the same tests, on a cluster instead.
    @BeforeAll
    static void startCluster() {
        redis.close();
        redis = RedisCluster.start(3, 0);
    }
}
