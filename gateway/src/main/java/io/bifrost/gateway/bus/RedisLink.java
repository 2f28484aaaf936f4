package io.bifrost.gateway.bus;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import javax.net.ssl.SSLHandshakeException;

import io.bifrost.gateway.config.RedisSettings;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

/**
 * The two connections to Redis (commands and pub/sub), whether they are usable, and how scripts are run on them: the
 * commands the bus needs, on one Redis (or a primary found through Sentinel) or on a Redis Cluster.
 *
 * <p>On a cluster, commands and scripts go to the primary of their first key's slot, and channels are subscribed with
 * sharded pub/sub ({@code SSUBSCRIBE}) on a connection to the primary that owns each channel's slot (Lettuce keeps one
 * per node and hands their messages to this connection's listeners); the topology is refreshed periodically and on
 * redirects and reconnects, so slots that moved are followed.
 *
 * <p>Commands are rejected while disconnected (never queued without bound) and time out after
 * {@link RedisSettings#timeout()}, so a broadcast is refused with 503 rather than accepted and lost. Lettuce
 * reconnects by itself; this instance counts as back only once its owner says so (after Redis confirmed the
 * re-subscriptions), because Lettuce reports a connection as up before it has subscribed again.
 */
final class RedisLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisLink.class.getName());
    /** How long a starting gateway keeps trying to reach Redis before it gives up. */
    private static final Duration START_PATIENCE = Duration.ofSeconds(15);
    private static final Duration CONNECT_RETRY = Duration.ofMillis(500);

    private final RedisSettings settings;
    private final ClientResources resources;
    /** How often a cluster's topology is read again, and at least how far apart a redirect or reconnect triggers it. */
    private static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(1);

    private final AbstractRedisClient client;
    private final StatefulRedisPubSubConnection<String, byte[]> pubsub;
    private final StatefulConnection<String, byte[]> commandsConnection;
    private final RedisClusterAsyncCommands<String, byte[]> commands;
    private final AtomicLong reconnects = new AtomicLong();
    /** Until when starting may wait for Redis (see {@link #patiently}). */
    private final long startDeadline = System.nanoTime() + START_PATIENCE.toNanos();
    private volatile boolean up = true;
    private volatile String problem;

    RedisLink(RedisSettings settings) {
        this.settings = settings;
        this.resources = ClientResources.builder()
                // Reconnect fast: sockets wait on us. Lettuce's default backs off to 30 s.
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .build();
        List<RedisURI> uris = new ArrayList<>();
        for (String seed : RedisSettings.seeds(settings.url())) {
            uris.add(uri(seed, settings));
        }
        TimeoutOptions timeouts = TimeoutOptions.enabled(settings.timeout());
        SocketOptions sockets = SocketOptions.builder().connectTimeout(settings.timeout()).keepAlive(true).build();
        RedisCodec<String, byte[]> codec = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
        if (settings.cluster()) {
            RedisClusterClient cluster = RedisClusterClient.create(resources, uris);
            cluster.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    // Node connections open lazily (the first command to a node, a node after a failover): rejecting
                    // commands while one connects would refuse broadcasts to a healthy cluster. Held instead, each at
                    // most the command timeout; a broadcast is still refused at once while this instance knows it is
                    // down (see RedisBus.publish).
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                    .requestQueueSize(100_000)
                    .timeoutOptions(timeouts)
                    .socketOptions(sockets)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                            .enableAllAdaptiveRefreshTriggers()
                            .adaptiveRefreshTriggersTimeout(TOPOLOGY_REFRESH)
                            .build())
                    .build());
            this.client = cluster;
        } else {
            RedisClient single = RedisClient.create(resources, uris.getFirst());
            single.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    // Never queue commands while disconnected: a broadcast then fails at once (503), not piling up.
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .requestQueueSize(100_000)
                    .timeoutOptions(timeouts)
                    .socketOptions(sockets)
                    .build());
            this.client = single;
        }
        // Only the loss is taken from Lettuce's events (see the class comment); on a cluster, any node's.
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                // A connection closed on purpose (a cluster's topology reads, a node connection no longer needed) is
                // no loss.
                if (connection == null || !connection.isClosed()) {
                    lost("connection lost");
                }
            }
        });
        try {
            if (client instanceof RedisClusterClient cluster) {
                StatefulRedisClusterPubSubConnection<String, byte[]> shards =
                        patiently(() -> cluster.connectPubSub(codec));
                // Sharded subscriptions live on per-node connections: their messages must reach our listener.
                shards.setNodeMessagePropagation(true);
                this.pubsub = shards;
                StatefulRedisClusterConnection<String, byte[]> connection =
                        patiently(() -> cluster.connect(codec));
                this.commandsConnection = connection;
                this.commands = connection.async();
            } else {
                RedisClient single = (RedisClient) client;
                this.pubsub = patiently(() -> single.connectPubSub(codec));
                StatefulRedisConnection<String, byte[]> connection = patiently(() -> single.connect(codec));
                this.commandsConnection = connection;
                this.commands = connection.async();
            }
        } catch (RuntimeException e) {
            // Nothing else will ever stop these threads.
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    // A connection that could not be made in time is tried again until the deadline: a cold JVM's first TLS handshake
    // on a busy machine, or a Redis starting beside the gateway, should not make the process exit. Refusals that
    // waiting cannot change (a wrong password, a bad certificate) fail at once.
    private <C> C patiently(Supplier<C> connect) {
        boolean told = false;
        while (true) {
            try {
                return connect.get();
            } catch (RedisConnectionException e) {
                if (!worthWaitingFor(e) || System.nanoTime() + CONNECT_RETRY.toNanos() > startDeadline) {
                    throw e;
                }
                if (!told) {
                    LOG.log(Level.WARNING, "Redis not reachable yet (" + settings + "): " + rootMessage(e)
                            + "; trying again for up to " + START_PATIENCE.toSeconds() + " s");
                    told = true;
                }
                LockSupport.parkNanos(CONNECT_RETRY.toNanos());
            }
        }
    }

    /**
     * A first exchange with Redis failed while the gateway starts: waits a little if the start may still wait for it.
     *
     * @return true if the caller should try again; false once the start's patience is spent
     */
    boolean waitedToRetryStart() {
        if (System.nanoTime() + CONNECT_RETRY.toNanos() > startDeadline) {
            return false;
        }
        LockSupport.parkNanos(CONNECT_RETRY.toNanos());
        return true;
    }

    private static boolean worthWaitingFor(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof RedisCommandExecutionException || t instanceof SSLHandshakeException) {
                return false;
            }
        }
        return true;
    }

    private static RedisURI uri(String seed, RedisSettings settings) {
        RedisURI uri = RedisURI.create(seed);
        uri.setTimeout(settings.timeout());
        if (uri.isSsl()) {
            uri.setVerifyPeer(switch (settings.tlsVerify()) {
                case FULL -> SslVerifyMode.FULL;
                case CA -> SslVerifyMode.CA;
                case NONE -> SslVerifyMode.NONE;
            });
        }
        return uri;
    }

    /**
     * @return whether this is a Redis Cluster (sharded pub/sub, per-slot scripts)
     */
    boolean cluster() {
        return client instanceof RedisClusterClient;
    }

    /**
     * Subscribes to pub/sub channels: {@code SUBSCRIBE} on one Redis, {@code SSUBSCRIBE} per channel on a cluster (a
     * sharded subscription names channels of one slot only).
     *
     * @return completes once Redis confirmed every one
     */
    CompletableFuture<Void> subscribe(String... names) {
        if (!cluster()) {
            return pubsub.async().subscribe(names).toCompletableFuture();
        }
        CompletableFuture<?>[] each = new CompletableFuture<?>[names.length];
        for (int i = 0; i < names.length; i++) {
            each[i] = pubsub.async().ssubscribe(names[i]).toCompletableFuture();
        }
        return CompletableFuture.allOf(each);
    }

    /**
     * Unsubscribes from pub/sub channels, the way {@link #subscribe} subscribed them.
     */
    CompletableFuture<Void> unsubscribe(String... names) {
        if (!cluster()) {
            return pubsub.async().unsubscribe(names).toCompletableFuture();
        }
        CompletableFuture<?>[] each = new CompletableFuture<?>[names.length];
        for (int i = 0; i < names.length; i++) {
            each[i] = pubsub.async().sunsubscribe(names[i]).toCompletableFuture();
        }
        return CompletableFuture.allOf(each);
    }

    /**
     * On a cluster, reads the topology again now (a sharded subscription was dropped because its slot moved).
     */
    void refreshTopology() {
        if (client instanceof RedisClusterClient cluster) {
            cluster.refreshPartitionsAsync();
        }
    }

    StatefulRedisPubSubConnection<String, byte[]> pubsub() {
        return pubsub;
    }

    RedisClusterAsyncCommands<String, byte[]> commands() {
        return commands;
    }

    RedisSettings settings() {
        return settings;
    }

    boolean up() {
        return up;
    }

    String problem() {
        return problem;
    }

    long reconnects() {
        return reconnects.get();
    }

    /**
     * Redis cannot be used now: broadcasts get 503 until {@link #back()}.
     */
    void lost(String why) {
        if (up) {
            LOG.log(Level.WARNING, "Redis connection lost (" + settings + "): " + why
                    + "; broadcasts get 503 until it is back");
        }
        up = false;
        problem = why;
    }

    /**
     * Redis is usable again: the owner re-subscribed every channel and rewrote what Redis may have lost.
     */
    void back(int channels) {
        reconnects.incrementAndGet();
        LOG.log(Level.INFO, "Redis connection re-established (" + settings + "); " + channels
                + " channels subscribed again");
        problem = null;
        up = true;
    }

    /**
     * Runs a script by its digest, loading it when Redis has not seen it yet (first use, or after a restart), and
     * waits for its answer at most the configured timeout.
     */
    <T> T run(Script script, ScriptOutputType type, String[] keys, byte[]... args)
            throws ExecutionException, InterruptedException {
        // An untimed wait: Lettuce fails every command itself after the timeout (TimeoutOptions above, on a timer
        // wheel that costs nothing per command), while a timed wait on a virtual thread set and cancelled a timer in
        // the JDK's delay scheduler, waking its thread twice per broadcast (8 % of the gateway's CPU in channels).
        try {
            return commands.<T>evalsha(script.sha(), type, keys, args).get();
        } catch (ExecutionException e) {
            if (e.getCause() == null || e.getCause().getMessage() == null
                    || !e.getCause().getMessage().startsWith("NOSCRIPT")) {
                throw e;
            }
            return commands.<T>eval(script.text(), type, keys, args).get();
        }
    }

    /**
     * Runs a script without waiting for it (the caller waits on many at once), loading it when Redis has not seen it.
     */
    <T> CompletableFuture<T> runAsync(Script script, ScriptOutputType type, String[] keys, byte[]... args) {
        return commands.<T>evalsha(script.sha(), type, keys, args).toCompletableFuture()
                .exceptionallyCompose(e -> {
                    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                            ? e.getCause() : e;
                    return cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT")
                            ? commands.<T>eval(script.text(), type, keys, args).toCompletableFuture()
                            : CompletableFuture.failedFuture(cause);
                });
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(value);
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /**
     * @return a hint for a TLS failure that is Heroku Redis's self-signed certificate, or ""
     */
    static String tlsHint(RedisSettings settings, Throwable e) {
        return settings.tls() && settings.tlsVerify() != RedisSettings.TlsVerify.NONE
                && rootMessage(e).toLowerCase(Locale.ROOT).contains("cert")
                ? " (Heroku Redis presents a self-signed certificate: set REDIS_TLS_VERIFY=none)" : "";
    }

    @Override
    public void close() {
        pubsub.close();
        commandsConnection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
