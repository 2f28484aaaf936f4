package io.bifrost.gateway.bus;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import javax.net.ssl.SSLHandshakeException;

import io.bifrost.gateway.config.RedisSettings;

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
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

/**
 * The two connections to Redis (commands and pub/sub), whether they are usable, and how scripts are run on them.
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
    private final RedisClient client;
    private final StatefulRedisPubSubConnection<String, byte[]> pubsub;
    private final StatefulRedisConnection<String, byte[]> commands;
    private final AtomicLong reconnects = new AtomicLong();
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
        RedisURI uri = RedisURI.create(settings.url());
        uri.setTimeout(settings.timeout());
        if (uri.isSsl()) {
            uri.setVerifyPeer(switch (settings.tlsVerify()) {
                case FULL -> SslVerifyMode.FULL;
                case CA -> SslVerifyMode.CA;
                case NONE -> SslVerifyMode.NONE;
            });
        }
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Never queue commands while disconnected: a broadcast then fails at once (503) instead of piling up.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(100_000)
                .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(settings.timeout()).keepAlive(true).build())
                .build());
        // Only the loss is taken from Lettuce's events (see the class comment).
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                lost("connection lost");
            }
        });
        RedisCodec<String, byte[]> codec = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
        try {
            long deadline = System.nanoTime() + START_PATIENCE.toNanos();
            this.pubsub = patiently(() -> client.connectPubSub(codec), deadline);
            this.commands = patiently(() -> client.connect(codec), deadline);
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
    private <C> C patiently(Supplier<C> connect, long deadline) {
        boolean told = false;
        while (true) {
            try {
                return connect.get();
            } catch (RedisConnectionException e) {
                if (!worthWaitingFor(e) || System.nanoTime() + CONNECT_RETRY.toNanos() > deadline) {
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

    private static boolean worthWaitingFor(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof RedisCommandExecutionException || t instanceof SSLHandshakeException) {
                return false;
            }
        }
        return true;
    }

    StatefulRedisPubSubConnection<String, byte[]> pubsub() {
        return pubsub;
    }

    RedisAsyncCommands<String, byte[]> commands() {
        return commands.async();
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
            throws ExecutionException, TimeoutException, InterruptedException {
        long timeout = settings.timeout().toMillis();
        try {
            return commands.async().<T>evalsha(script.sha(), type, keys, args).get(timeout, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() == null || e.getCause().getMessage() == null
                    || !e.getCause().getMessage().startsWith("NOSCRIPT")) {
                throw e;
            }
            return commands.async().<T>eval(script.text(), type, keys, args).get(timeout, TimeUnit.MILLISECONDS);
        }
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
        commands.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
