package io.bifrost.gateway.bus;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

import io.bifrost.gateway.config.RedisSettings;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.hub.WireFrame;
import io.bifrost.gateway.ops.LogLimiter;
import io.bifrost.gateway.ops.Stats;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

/**
 * The cluster bus: every broadcast is one Redis {@code PUBLISH} on {@code <prefix>ch:<channel>}, and each instance
 * subscribes to exactly the channels its own sockets hold.
 *
 * <ul>
 *   <li>Subscriptions are reference-counted per channel: the first local socket subscribes, the last one leaving
 *       unsubscribes. {@link #join} completes when Redis has confirmed the subscription.</li>
 *   <li>The payload is the already-encoded websocket frame behind a small envelope (origin instance, message id,
 *       publication time);
 *       receivers hand the frame bytes to the hub as they are.</li>
 *   <li>Cluster counts: each instance keeps its per-channel socket counts in a Redis hash and heartbeats into a
 *       sorted set scored by Redis's own clock; a Lua script publishes and sums the counts of live instances in one
 *       round trip. A crashed instance stops counting once its heartbeat is {@link #STALE} old.</li>
 *   <li>Outages: commands are rejected while disconnected (never queued without bound) and time out after
 *       {@link RedisSettings#timeout()}, so a broadcast is refused with 503 rather than accepted and lost. Lettuce
 *       reconnects and re-subscribes every channel still held; counts are rewritten after a Redis restart.</li>
 * </ul>
 */
public final class RedisBus implements Bus {
    private static final System.Logger LOG = System.getLogger(RedisBus.class.getName());
    /** A heartbeat older than this means the instance is gone. */
    static final Duration STALE = Duration.ofSeconds(3);
    private static final Duration TICK = Duration.ofMillis(250);
    private static final Duration COUNTS_TTL = Duration.ofSeconds(10);
    private static final byte[] MAGIC = {'B', '1'};
    private static final int HSET_CHUNK = 1000;
    private static final long FULL_RESYNC_TICKS = 240;

    // Sums one channel's socket counts over live instances. KEYS[1] instances zset; ARGV[n..n+2]: channel,
    // counts key prefix, stale millis.
    private static String countLua(int n) {
        return """
                local t = redis.call('TIME')
                local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
                local ids = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[%3$d]), '+inf')
                local total = 0
                for _, id in ipairs(ids) do
                  local c = redis.call('HGET', ARGV[%2$d] .. id, ARGV[%1$d])
                  if c then total = total + tonumber(c) end
                end
                return total
                """.formatted(n, n + 1, n + 2);
    }

    // One round trip per broadcast: count who it will reach, hold it back if one of those instances is behind
    // (see Backlog), else publish. KEYS: instances zset, behind hash (id -> Redis ms until which it is behind).
    // ARGV: redis channel, payload, channel, counts key prefix, stale millis. Returns {deliveries} or {-1, id}.
    private static final Script PUBLISH_SCRIPT = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local ids = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[5]), '+inf')
            local total = 0
            for _, id in ipairs(ids) do
              local c = redis.call('HGET', ARGV[4] .. id, ARGV[3])
              if c and tonumber(c) > 0 then
                local behind = redis.call('HGET', KEYS[2], id)
                if behind and tonumber(behind) > now then
                  return {-1, id}
                end
                total = total + tonumber(c)
              end
            end
            redis.call('PUBLISH', ARGV[1], ARGV[2])
            return {total}
            """);
    private static final Script COUNT_SCRIPT = new Script(countLua(1));
    // KEYS: behind hash. ARGV: id, 1 to mark behind for ARGV[3] ms from Redis's now, 0 to clear.
    private static final String BEHIND_SCRIPT = """
            if ARGV[2] == '1' then
              local t = redis.call('TIME')
              local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
              return redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[3]))
            end
            return redis.call('HDEL', KEYS[1], ARGV[1])
            """;
    /** How often this instance's backlog is compared with its limit, so other instances hold back in time. */
    private static final Duration BACKLOG_CHECK = Duration.ofMillis(20);
    /** A behind mark is refreshed this often and lapses after {@link #BEHIND_TTL} if the instance stops doing so. */
    private static final Duration BEHIND_REFRESH = Duration.ofMillis(250);
    private static final Duration BEHIND_TTL = Duration.ofSeconds(1);
    // KEYS: instances zset, this instance's counts hash, connected hash. ARGV: id, connected, ttl ms, stale ms.
    // Returns 1 when the counts hash still exists (0 after a Redis restart or a long pause: rewrite it).
    private static final String HEARTBEAT_SCRIPT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('ZADD', KEYS[1], now, ARGV[1])
            redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
            local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - 20 * tonumber(ARGV[4]))
            for _, id in ipairs(dead) do
              redis.call('ZREM', KEYS[1], id)
              redis.call('HDEL', KEYS[3], id)
            end
            return redis.call('PEXPIRE', KEYS[2], ARGV[3])
            """;
    // KEYS: instances zset, connected hash. ARGV: stale ms. Returns id, count, id, count...
    private static final String CONNECTED_SCRIPT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local ids = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf')
            local out = {}
            for _, id in ipairs(ids) do
              table.insert(out, id)
              table.insert(out, redis.call('HGET', KEYS[2], id) or '0')
            end
            return out
            """;

    private final Hub hub;
    private final Stats stats;
    private final RedisSettings settings;
    private final IntSupplier localConnected;
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisPubSubConnection<String, byte[]> pubsub;
    private final StatefulRedisConnection<String, byte[]> commands;
    private final ScheduledExecutorService ticker;

    private final String channelPrefix;
    private final String instancesKey;
    private final String countsKeyPrefix;
    private final String countsKey;
    private final String connectedKey;
    private final String behindKey;
    private final byte[] envelopeHead;

    private final ReentrantLock lock = new ReentrantLock();
    // Lines that repeat while Redis is away or this instance is saturated: once, then once a minute with a count.
    private final LogLimiter logs = new LogLimiter();
    private final Map<String, Subscription> subscriptions = new HashMap<>();
    private final Set<String> dirtyCounts = ConcurrentHashMap.newKeySet();
    private final AtomicLong messageIds = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile boolean connected = true;
    private volatile String problem;
    private long ticks;
    // Only the ticker thread reads and writes these.
    private boolean markedBehind;
    private long markedAtNanos;
    private int lastConnectedWritten = -1;

    private RedisBus(Hub hub, Stats stats, RedisSettings settings, IntSupplier localConnected) {
        this.hub = hub;
        this.stats = stats;
        this.settings = settings;
        this.localConnected = localConnected;
        this.channelPrefix = settings.prefix() + "ch:";
        this.instancesKey = settings.prefix() + "instances";
        this.countsKeyPrefix = settings.prefix() + "counts:";
        this.countsKey = countsKeyPrefix + settings.instanceId();
        this.connectedKey = settings.prefix() + "connected";
        this.behindKey = settings.prefix() + "behind";
        byte[] id = settings.instanceId().getBytes(StandardCharsets.UTF_8);
        this.envelopeHead = ByteBuffer.allocate(MAGIC.length + 1 + id.length).put(MAGIC).put((byte) id.length).put(id)
                .array();

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
        // Only the loss is taken from Lettuce's events: it reports a connection as up when its socket opens, before
        // it has subscribed our channels again. Coming back is the heartbeat's call, once Redis confirmed them.
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                onDisconnected();
            }
        });
        RedisCodec<String, byte[]> codec = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
        try {
            this.pubsub = client.connectPubSub(codec);
            this.commands = client.connect(codec);
        } catch (RuntimeException e) {
            // Nothing else will ever stop these threads.
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, byte[] message) {
                receive(channel, message);
            }
        });
        // Redis mirrors the hub's counts: every change on a channel is written on the next tick.
        hub.onCountChange(dirtyCounts::add);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bifrost-redis-" + settings.instanceId());
            t.setDaemon(true);
            return t;
        });
        heartbeat();
        ticker.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(this::markBacklog, BACKLOG_CHECK.toMillis(), BACKLOG_CHECK.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Connects to Redis and starts heartbeating.
     *
     * @param hub            where received broadcasts are delivered
     * @param stats          where publish-to-delivery latency is recorded
     * @param settings       how to reach Redis
     * @param localConnected this instance's open sockets, for the cluster-wide count
     * @return the running bus
     * @throws BusUnavailableException if Redis cannot be reached now; the message says why and what to check
     */
    public static RedisBus connect(Hub hub, Stats stats, RedisSettings settings, IntSupplier localConnected)
            throws BusUnavailableException {
        try {
            return new RedisBus(hub, stats, settings, localConnected);
        } catch (RuntimeException e) {
            throw new BusUnavailableException("cannot reach Redis at " + settings + ": " + rootMessage(e)
                    + (settings.tls() && settings.tlsVerify() != RedisSettings.TlsVerify.NONE
                    && rootMessage(e).toLowerCase(java.util.Locale.ROOT).contains("cert")
                    ? " (Heroku Redis presents a self-signed certificate: set REDIS_TLS_VERIFY=none)" : ""), e);
        }
    }

    @Override
    public CompletableFuture<Void> join(String channel) {
        lock.lock();
        try {
            Subscription subscription = subscriptions.computeIfAbsent(channel, c -> new Subscription());
            subscription.refs++;
            if (subscription.confirmed == null || subscription.confirmed.isCompletedExceptionally()) {
                subscription.confirmed = subscribe(channel);
            }
            return subscription.confirmed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void leave(String channel) {
        lock.lock();
        try {
            Subscription subscription = subscriptions.get(channel);
            if (subscription == null) {
                return;
            }
            if (--subscription.refs > 0) {
                return;
            }
            subscriptions.remove(channel);
            // Issued on the same connection after any SUBSCRIBE for the channel, so Redis sees them in order.
            pubsub.async().unsubscribe(channelPrefix + channel);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int publish(String channel, WireFrame frame) throws BusUnavailableException {
        if (!connected) {
            throw new BusUnavailableException("Redis is unreachable (" + problem + "); the broadcast was not sent,"
                    + " retry later", null);
        }
        if (hub.behindOn(channel)) {
            throw new BehindException("this instance (" + settings.instanceId() + ") is behind: "
                    + hub.backlog().describe());
        }
        byte[] payload = envelope(frame);
        List<Object> answer;
        try {
            answer = run(PUBLISH_SCRIPT, ScriptOutputType.MULTI, new String[] {instancesKey, behindKey},
                    (channelPrefix + channel).getBytes(StandardCharsets.UTF_8), payload,
                    channel.getBytes(StandardCharsets.UTF_8), countsKeyPrefix.getBytes(StandardCharsets.UTF_8),
                    Long.toString(STALE.toMillis()).getBytes(StandardCharsets.UTF_8));
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new BusUnavailableException("Redis did not take the broadcast (" + rootMessage(e)
                    + "); it was not sent, retry later", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusUnavailableException("interrupted while publishing", e);
        }
        long deliveries = answer.isEmpty() ? 0 : (Long) answer.getFirst();
        if (deliveries < 0) {
            throw new BehindException("instance " + text(answer.get(1)) + ", which holds sockets on this channel,"
                    + " is behind its deliveries (BIFROST_MAX_BACKLOG)");
        }
        return (int) Math.min(Integer.MAX_VALUE, deliveries);
    }

    // EVALSHA, so a broadcast sends Redis the script's digest rather than its text; EVAL loads it when Redis has
    // not seen it yet (first use, or a restart).
    private <T> T run(Script script, ScriptOutputType type, String[] keys, byte[]... args)
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

    // Tells the other instances, through Redis, when this one is behind, so they hold back broadcasts to its
    // channels too; the mark lapses by itself if this instance dies.
    private void markBacklog() {
        try {
            boolean behind = hub.backlog().behind();
            long now = System.nanoTime();
            if (behind == markedBehind && (!behind || now - markedAtNanos < BEHIND_REFRESH.toNanos())) {
                return;
            }
            if (behind && !markedBehind) {
                // A saturated instance goes behind and catches up many times a second.
                logs.log(LOG, Level.INFO, "behind", () -> "behind: " + hub.backlog().describe()
                        + "; broadcasts to its channels are held back on every instance");
            }
            markedBehind = behind;
            markedAtNanos = now;
            commands.async().eval(BEHIND_SCRIPT, ScriptOutputType.INTEGER, new String[] {behindKey},
                    settings.instanceId().getBytes(StandardCharsets.UTF_8),
                    (behind ? "1" : "0").getBytes(StandardCharsets.UTF_8),
                    Long.toString(BEHIND_TTL.toMillis()).getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            // Redis unreachable: broadcasts are refused anyway, and a stale mark lapses by itself.
            logs.log(LOG, Level.DEBUG, "mark-backlog", () -> "could not mark the backlog in Redis: " + e);
        }
    }

    @Override
    public int subscribers(String channel) throws BusUnavailableException {
        try {
            Long count = run(COUNT_SCRIPT, ScriptOutputType.INTEGER, new String[] {instancesKey},
                    channel.getBytes(StandardCharsets.UTF_8), countsKeyPrefix.getBytes(StandardCharsets.UTF_8),
                    Long.toString(STALE.toMillis()).getBytes(StandardCharsets.UTF_8));
            return count == null ? 0 : (int) Math.min(Integer.MAX_VALUE, count);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new BusUnavailableException("Redis did not answer (" + rootMessage(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusUnavailableException("interrupted", e);
        }
    }

    @Override
    public Health health() {
        return connected ? new Health(true, "redis " + settings) : new Health(false, "redis unreachable: " + problem);
    }

    @Override
    public Map<String, Long> connectedByInstance() {
        try {
            List<Object> flat = commands.async().<List<Object>>eval(CONNECTED_SCRIPT, ScriptOutputType.MULTI,
                            new String[] {instancesKey, connectedKey},
                            Long.toString(STALE.toMillis()).getBytes(StandardCharsets.UTF_8))
                    .get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            Map<String, Long> counts = new LinkedHashMap<>();
            for (int i = 0; i + 1 < flat.size(); i += 2) {
                counts.put(text(flat.get(i)), Long.parseLong(text(flat.get(i + 1))));
            }
            return counts;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return Map.of(settings.instanceId(), (long) localConnected.getAsInt());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
    }

    @Override
    public long reconnects() {
        return reconnects.get();
    }

    @Override
    public int subscribedChannels() {
        lock.lock();
        try {
            return subscriptions.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            commands.async().zrem(instancesKey, settings.instanceId().getBytes(StandardCharsets.UTF_8));
            commands.async().del(countsKey);
            commands.async().hdel(behindKey, settings.instanceId());
        } catch (RuntimeException e) {
            // Redis unreachable at shutdown: the entries expire by themselves.
        }
        pubsub.close();
        commands.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private CompletableFuture<Void> subscribe(String channel) {
        return pubsub.async().subscribe(channelPrefix + channel).toCompletableFuture()
                .orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void receive(String redisChannel, byte[] message) {
        if (!redisChannel.startsWith(channelPrefix) || message.length < 3 || message[0] != MAGIC[0]
                || message[1] != MAGIC[1]) {
            return;
        }
        int offset = 3 + (message[2] & 0xFF) + 2 * Long.BYTES;
        if (offset > message.length) {
            return;
        }
        long publishedMicros = ByteBuffer.wrap(message, offset - Long.BYTES, Long.BYTES).getLong();
        byte[] frame = new byte[message.length - offset];
        System.arraycopy(message, offset, frame, 0, frame.length);
        hub.deliver(redisChannel.substring(channelPrefix.length()), WireFrame.ofEncoded(frame));
        // Wall clocks of two instances: exact on one host, as good as NTP across hosts.
        stats.publishToDelivery().recordNanos(Math.max(0, (nowMicros() - publishedMicros) * 1000));
    }

    private byte[] envelope(WireFrame frame) {
        byte[] bytes = frame.bytes();
        return ByteBuffer.allocate(envelopeHead.length + 2 * Long.BYTES + bytes.length)
                .put(envelopeHead)
                .putLong(messageIds.incrementAndGet())
                .putLong(nowMicros())
                .put(bytes)
                .array();
    }

    private static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    private void onConnected() {
        // Redis may have restarted empty: every count this instance holds is rewritten before broadcasts are
        // taken again, so their deliveries are right from the first one.
        markAllDirty();
        flushCounts();
        reconnects.incrementAndGet();
        LOG.log(Level.INFO, "Redis connection re-established (" + settings + "); " + subscribedChannels()
                + " channels subscribed again");
        problem = null;
        connected = true;
    }

    // Subscribes every channel still held and waits for Redis to confirm: Lettuce re-subscribes by itself after a
    // reconnect, but says nothing when it is done; an extra SUBSCRIBE of a channel is harmless.
    private boolean resubscribed() throws InterruptedException {
        List<String> channels;
        lock.lock();
        try {
            channels = new ArrayList<>(subscriptions.keySet());
        } finally {
            lock.unlock();
        }
        List<CompletableFuture<Void>> confirmations = new ArrayList<>();
        for (int i = 0; i < channels.size(); i += HSET_CHUNK) {
            String[] chunk = channels.subList(i, Math.min(channels.size(), i + HSET_CHUNK)).stream()
                    .map(c -> channelPrefix + c).toArray(String[]::new);
            confirmations.add(pubsub.async().subscribe(chunk).toCompletableFuture());
        }
        try {
            CompletableFuture.allOf(confirmations.toArray(CompletableFuture[]::new))
                    .get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            problem = "re-subscribing: " + rootMessage(e);
            return false;
        }
    }

    private void onDisconnected() {
        if (connected) {
            LOG.log(Level.WARNING, "Redis connection lost (" + settings + "); broadcasts get 503 until it is back");
        }
        connected = false;
        problem = "connection lost";
    }

    private void tick() {
        try {
            flushCounts();
            // Every second while up; every tick while down, to be back as soon as Redis is.
            if (++ticks % 4 == 0 || !connected) {
                heartbeat();
            }
            if (ticks % FULL_RESYNC_TICKS == 0) {
                // Belt and braces: rewrite every count now and then, so no drift can outlive a minute.
                markAllDirty();
            }
        } catch (RuntimeException e) {
            logs.log(LOG, Level.DEBUG, "maintenance", () -> "Redis maintenance failed: " + e);
        }
    }

    private void heartbeat() {
        try {
            Long exists = commands.async().<Long>eval(HEARTBEAT_SCRIPT, ScriptOutputType.INTEGER,
                            new String[] {instancesKey, countsKey, connectedKey},
                            settings.instanceId().getBytes(StandardCharsets.UTF_8),
                            Integer.toString(localConnected.getAsInt()).getBytes(StandardCharsets.UTF_8),
                            Long.toString(COUNTS_TTL.toMillis()).getBytes(StandardCharsets.UTF_8),
                            Long.toString(STALE.toMillis()).getBytes(StandardCharsets.UTF_8))
                    .get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (exists != null && exists == 0) {
                markAllDirty();
            }
            if (!connected && pubsub.isOpen() && resubscribed()) {
                onConnected();
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            if (connected) {
                LOG.log(Level.WARNING, "Redis did not answer a heartbeat within " + settings.timeout().toMillis()
                        + " ms (" + rootMessage(e) + "); broadcasts get 503 until it does");
            }
            connected = false;
            problem = rootMessage(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void flushCounts() {
        int connectedNow = localConnected.getAsInt();
        if (connectedNow != lastConnectedWritten) {
            // Written between heartbeats too, so /info.json's cluster count is at most a tick old.
            commands.async().hset(connectedKey, settings.instanceId(),
                    Integer.toString(connectedNow).getBytes(StandardCharsets.UTF_8));
            lastConnectedWritten = connectedNow;
        }
        if (dirtyCounts.isEmpty()) {
            return;
        }
        List<String> channels = new ArrayList<>(dirtyCounts);
        dirtyCounts.removeAll(channels);
        Map<String, byte[]> set = new HashMap<>();
        List<String> delete = new ArrayList<>();
        for (String channel : channels) {
            int count = hub.count(channel);
            if (count > 0) {
                set.put(channel, Integer.toString(count).getBytes(StandardCharsets.UTF_8));
            } else {
                delete.add(channel);
            }
        }
        try {
            List<CompletableFuture<?>> writes = new ArrayList<>();
            List<String> keys = new ArrayList<>(set.keySet());
            for (int i = 0; i < keys.size(); i += HSET_CHUNK) {
                Map<String, byte[]> chunk = new HashMap<>();
                for (String key : keys.subList(i, Math.min(keys.size(), i + HSET_CHUNK))) {
                    chunk.put(key, set.get(key));
                }
                writes.add(commands.async().hset(countsKey, chunk).toCompletableFuture());
            }
            for (int i = 0; i < delete.size(); i += HSET_CHUNK) {
                writes.add(commands.async().hdel(countsKey,
                        delete.subList(i, Math.min(delete.size(), i + HSET_CHUNK)).toArray(String[]::new))
                        .toCompletableFuture());
            }
            writes.add(commands.async().pexpire(countsKey, COUNTS_TTL.toMillis()).toCompletableFuture());
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
                    .get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // Try again on the next tick.
            dirtyCounts.addAll(channels);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dirtyCounts.addAll(channels);
        }
    }

    private void markAllDirty() {
        dirtyCounts.addAll(hub.channels());
        lock.lock();
        try {
            // Channels still subscribed but already empty locally: their zero must be written too.
            dirtyCounts.addAll(subscriptions.keySet());
        } finally {
            lock.unlock();
        }
    }

    /** A Lua script and its SHA-1 digest, the name EVALSHA knows it by. */
    private record Script(String text, String sha) {
        Script(String text) {
            this(text, sha1(text));
        }

        private static String sha1(String text) {
            try {
                return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                        .digest(text.getBytes(StandardCharsets.UTF_8)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-1", e);
            }
        }
    }

    private static String text(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(value);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static final class Subscription {
        private int refs;
        private CompletableFuture<Void> confirmed;
    }
}
