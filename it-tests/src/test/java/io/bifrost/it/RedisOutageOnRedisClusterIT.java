package io.bifrost.it;

import io.bifrost.it.redis.RedisCluster;
import io.bifrost.it.redis.RedisServer;

/**
 * {@link RedisOutageIT} on a Redis Cluster of three primaries: the whole cluster stopped and restarted (empty), or
 * frozen; broadcasts get 503 meanwhile and every socket is served again afterwards, without reconnecting.
 */
class RedisOutageOnRedisClusterIT extends RedisOutageIT {
    @Override
    RedisServer newRedis() {
        return RedisCluster.start(3, 0);
    }
}
