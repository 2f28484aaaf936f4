package io.bifrost.it;

import io.bifrost.it.redis.RedisCluster;
import io.bifrost.it.redis.RedisServer;

/**
 * {@link DrainClusterIT} with both processes on a Redis Cluster of three primaries ({@code BIFROST_REDIS_CLUSTER=true}).
 */
class DrainOnRedisClusterIT extends DrainClusterIT {
    @Override
    RedisServer newRedis() {
        return RedisCluster.start(3, 0);
    }
}
