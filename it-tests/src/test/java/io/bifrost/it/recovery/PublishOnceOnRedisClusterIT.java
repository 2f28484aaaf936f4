package io.bifrost.it.recovery;

import io.bifrost.it.redis.RedisCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * {@link PublishOnceClusterIT} on a Redis Cluster of three primaries: a {@code jti} is taken once in its first
 * channel's slot, and a batch to 100 channels (spread over every shard) reaches every socket once per channel.
 */
class PublishOnceOnRedisClusterIT extends PublishOnceClusterIT {
    // Runs after PublishOnceClusterIT's: the same tests, on a cluster instead.
    @BeforeAll
    static void startCluster() {
        redis.close();
        redis = RedisCluster.start(3, 0);
    }

    @Override
    @Test
    @Disabled("it kills pub/sub clients through an admin connection to one Redis")
    void aBroadcastRefusedWhileTheBusIsKnownDownDoesNotUseItsJtiUp() {
    }
}
