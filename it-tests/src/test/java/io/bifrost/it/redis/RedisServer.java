package io.bifrost.it.redis;

/**
 * A real Redis for a test, that the test can also break: stop and start it again (same address), or freeze it.
 */
public interface RedisServer extends AutoCloseable {

    /**
     * Starts one: in a Testcontainers container when a Docker engine answers, else as a {@code redis-server}
     * process; {@code -Dbifrost.redis=container|process} forces one.
     *
     * @return a running server
     */
    static RedisServer start() {
        return RedisServers.start(RedisServers.Kind.fromProperty(), RedisServers.Tls.NONE);
    }

    /**
     * @return {@code redis://127.0.0.1:<port>} (or {@code rediss://} for a TLS server)
     */
    String url();

    /** Stops the server; {@link #start()} of the same object brings it back on the same port, empty. */
    void stop();

    /** Starts the server again after {@link #stop()}. */
    void restart();

    /** Freezes the server: connections stay open, nothing is answered. */
    void pause();

    /** Unfreezes it. */
    void unpause();

    /**
     * Runs a command with redis-cli-like arguments and returns its reply as text (for assertions).
     *
     * @param args command and arguments
     * @return the reply
     */
    String command(String... args);

    /**
     * @return whether {@link #url()} names a Redis Cluster's nodes (the gateway then needs BIFROST_REDIS_CLUSTER=true)
     */
    default boolean cluster() {
        return false;
    }

    /**
     * @return "container" or "process"
     */
    String kind();

    @Override
    void close();
}
