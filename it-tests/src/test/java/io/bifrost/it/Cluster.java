package io.bifrost.it;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

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
public final class Cluster implements AutoCloseable {
    private final List<Gateway> instances = new ArrayList<>();
    private final List<Gateway> retired = new ArrayList<>();
    private final List<GatewayConfig> configs = new ArrayList<>();
    private final String prefix;
    private int restarts;

    private Cluster(String prefix) {
        this.prefix = prefix;
    }

    static Cluster start(RedisServer redis, int size) {
        return start(redis, size, RedisSettings.DEFAULT_PREFIX, Limits.DEFAULTS);
    }

    static Cluster start(RedisServer redis, int size, String prefix, Limits limits) {
        return start(redis, size, prefix, config -> config.withLimits(limits));
    }

    /**
     * Starts {@code size} instances on one Redis, each configured as an embedded gateway on that Redis and then
     * adjusted by {@code tweak} (recovery settings, limits, ...).
     *
     * @param redis  the Redis they share
     * @param size   how many instances
     * @param prefix their Redis key prefix, so tests sharing a Redis do not meet
     * @param tweak  applied to every instance's configuration
     * @return the running cluster
     */
    public static Cluster start(RedisServer redis, int size, String prefix, UnaryOperator<GatewayConfig> tweak) {
        Cluster cluster = new Cluster(prefix);
        try {
            for (int i = 0; i < size; i++) {
                GatewayConfig config = tweak.apply(GatewayConfig.embedded(TestGateway.SECRET)
                        .withRedis(settings(redis, "it-" + prefix + i).withPrefix(prefix)));
                cluster.configs.add(config);
                cluster.instances.add(Gateway.start(config));
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * @param redis    a Redis or a Redis Cluster
     * @param instance the instance's id
     * @return the settings of an instance on it, in cluster mode on a cluster
     */
    public static RedisSettings settings(RedisServer redis, String instance) {
        return new RedisSettings(redis.url(), RedisSettings.TlsVerify.FULL, RedisSettings.DEFAULT_PREFIX,
                RedisSettings.DEFAULT_TIMEOUT, instance, redis.cluster());
    }

    /**
     * @param i which instance
     * @return it (the latest one in that place, after a {@link #replace})
     */
    public Gateway get(int i) {
        return instances.get(i);
    }

    /**
     * @return how many instances
     */
    public int size() {
        return instances.size();
    }

    /**
     * @return every instance now in place
     */
    public List<Gateway> all() {
        return instances;
    }

    /**
     * Stops instance {@code i} ({@link Gateway#close()}, if it still runs) and starts a new instance in its place: same
     * configuration, a new port and a new instance id, as a restarted process would come back.
     *
     * @param i which instance
     * @return the new instance
     */
    public Gateway replace(int i) {
        Gateway old = instances.get(i);
        old.close();
        retired.add(old);
        GatewayConfig config = configs.get(i);
        RedisSettings redis = config.redis().orElseThrow();
        GatewayConfig fresh = config.withPort(0).withRedis(new RedisSettings(redis.url(), redis.tlsVerify(),
                redis.prefix(), redis.timeout(), "it-" + prefix + i + "-r" + (++restarts), redis.cluster()));
        Gateway started = Gateway.start(fresh);
        instances.set(i, started);
        return started;
    }

    /**
     * @return every instance this cluster started, the replaced ones included (their counters stay readable)
     */
    public List<Gateway> everyInstance() {
        List<Gateway> every = new ArrayList<>(retired);
        every.addAll(instances);
        return every;
    }

    @Override
    public void close() {
        instances.forEach(Gateway::close);
    }
}
