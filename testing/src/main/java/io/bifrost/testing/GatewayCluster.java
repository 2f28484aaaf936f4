package io.bifrost.testing;

import java.util.ArrayList;
import java.util.List;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * Redis and several {@link GatewayContainer}s sharing it, on a Docker network of their own: what
 * {@link GatewayContainer#cluster(int)} starts. The gateways share one secret and are named {@code gateway-1},
 * {@code gateway-2}, ... on the network ({@code BIFROST_INSTANCE_ID} too); Redis is {@code redis:6379} there.
 */
public final class GatewayCluster implements AutoCloseable {
    /** The Redis image when none is given: {@code -Dbifrost.redis.image} or {@code BIFROST_REDIS_IMAGE}, else this. */
    public static final String DEFAULT_REDIS_IMAGE = "redis:7-alpine";

    private final Network network;
    private final GenericContainer<?> redis;
    private final List<GatewayContainer> gateways;
    private final String secret;

    private GatewayCluster(Network network, GenericContainer<?> redis, List<GatewayContainer> gateways, String secret) {
        this.network = network;
        this.redis = redis;
        this.gateways = List.copyOf(gateways);
        this.secret = secret;
    }

    /**
     * @return the Redis image {@link GatewayContainer#cluster(int)} runs
     */
    public static String defaultRedisImage() {
        return System.getProperty("bifrost.redis.image",
                System.getenv().getOrDefault("BIFROST_REDIS_IMAGE", DEFAULT_REDIS_IMAGE));
    }

    /**
     * @param instances    how many gateways, at least 1
     * @param gatewayImage the gateway image
     * @param redisImage   a Redis 6.2+ image that starts a server with its default command
     * @return the running cluster
     */
    @SuppressWarnings("resource") // every container is closed by close(), or right here when the start fails
    public static GatewayCluster start(int instances, DockerImageName gatewayImage, DockerImageName redisImage) {
        if (instances < 1) {
            throw new IllegalArgumentException("a cluster needs at least one gateway, not " + instances);
        }
        Network network = Network.newNetwork();
        GenericContainer<?> redis = new GenericContainer<>(redisImage)
                .withNetwork(network)
                .withNetworkAliases("redis")
                .withExposedPorts(6379)
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1));
        String secret = TestSecrets.random();
        List<GatewayContainer> gateways = new ArrayList<>();
        for (int i = 1; i <= instances; i++) {
            gateways.add(new GatewayContainer(gatewayImage)
                    .withNetwork(network)
                    .withNetworkAliases("gateway-" + i)
                    .withInstanceId("gateway-" + i)
                    .withSecret(secret)
                    .withRedis("redis://redis:6379")
                    // Gateways starting together on a busy CI machine: the 2 s default once failed the first connect.
                    .withEnv("BIFROST_REDIS_TIMEOUT_MS", "10000"));
        }
        GatewayCluster cluster = new GatewayCluster(network, redis, gateways, secret);
        try {
            redis.start();
            // The gateways start together: each is a JVM start of a few seconds.
            Startables.deepStart(gateways).join();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * @return the gateways, in order: {@code gateway-1} first
     */
    public List<GatewayContainer> gateways() {
        return gateways;
    }

    /**
     * @param number 1 for {@code gateway-1}, ...
     * @return that gateway
     */
    public GatewayContainer gateway(int number) {
        return gateways.get(number - 1);
    }

    /**
     * @return the secret every gateway of the cluster shares
     */
    public String secret() {
        return secret;
    }

    /**
     * @return the Redis container, reachable from the host on its mapped port 6379
     */
    public GenericContainer<?> redis() {
        return redis;
    }

    /** Stops the gateways, then Redis, then removes the network. */
    @Override
    public void close() {
        gateways.forEach(GenericContainer::stop);
        redis.stop();
        network.close();
    }
}
