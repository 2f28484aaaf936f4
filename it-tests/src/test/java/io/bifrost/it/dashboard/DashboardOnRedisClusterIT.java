package io.bifrost.it.dashboard;

import io.bifrost.it.redis.RedisCluster;
import io.bifrost.it.redis.RedisServer;

/**
 * {@link DashboardClusterIT} on a Redis Cluster of three primaries: the heartbeat reports live in the instances' slot,
 * and the top channels are added up from each instance's counts (there is no cluster-wide totals hash there).
 */
class DashboardOnRedisClusterIT extends DashboardClusterIT {
    @Override
    RedisServer newRedis() {
        return RedisCluster.start(3, 0);
    }
}
