package io.bifrost.it;

import java.util.ArrayList;
import java.util.List;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.config.RedisSettings;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.it.redis.RedisServer;

/**
 * Several gateway instances in this JVM on one Redis: each is a full gateway (own hub, sessions, Redis
 * connections, port), exactly as separate processes would be, minus the process.
 */
final class Cluster implements AutoCloseable {
    private final List<Gateway> instances = new ArrayList<>();

    private Cluster() {
    }

    static Cluster start(RedisServer redis, int size) {
        return start(redis, size, RedisSettings.DEFAULT_PREFIX, Limits.DEFAULTS);
    }

    static Cluster start(RedisServer redis, int size, String prefix, Limits limits) {
        Cluster cluster = new Cluster();
        try {
            for (int i = 0; i < size; i++) {
                cluster.instances.add(Gateway.start(GatewayConfig.embedded(TestGateway.SECRET)
                        .withLimits(limits)
                        .withRedis(RedisSettings.of(redis.url(), "it-" + prefix + i).withPrefix(prefix))));
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    Gateway get(int i) {
        return instances.get(i);
    }

    int size() {
        return instances.size();
    }

    List<Gateway> all() {
        return instances;
    }

    @Override
    public void close() {
        instances.forEach(Gateway::close);
    }
}
