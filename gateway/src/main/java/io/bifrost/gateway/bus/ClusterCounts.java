package io.bifrost.gateway.bus;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.bifrost.gateway.hub.Hub;

import io.lettuce.core.ScriptOutputType;

/**
 * How many sockets each channel has across the cluster, and how many each instance holds: what {@code deliveries}
 * and {@code /info.json} report.
 *
 * <p>Each instance mirrors its per-channel socket counts into a hash of its own and adds the difference to one
 * cluster-wide hash of totals, so a broadcast reads one field (no sum over instances on the publish path). Each
 * instance heartbeats into a sorted set scored by Redis's clock; the first live instance to see one stale for
 * {@link #STALE} takes its counts out of the totals. A counts hash found missing (Redis restarted, or this instance
 * was taken for dead during a long pause) is rewritten whole.
 *
 * <p>On a Redis Cluster the totals cannot live in one hash (a broadcast's script runs on its channel's slot): each
 * channel has a counter of its total and a hash of its count per instance, both in its slot, and each change is one
 * script there; the instance's own hash only lists its channels, so that a dead instance can be taken out channel by
 * channel.
 */
final class ClusterCounts {
    private static final System.Logger LOG = System.getLogger(ClusterCounts.class.getName());
    /** A heartbeat older than this means the instance is gone. */
    static final Duration STALE = Duration.ofSeconds(3);
    private static final int CHUNK = 500;
    /** The field that keeps an instance's counts hash in existence while it holds no channel. */
    private static final String ALIVE = "_";

    // KEYS: this instance's counts, totals. ARGV: channel, count, channel, count, ... Applies each change to both.
    private static final Script FLUSH = new Script("""
            redis.call('HSET', KEYS[1], '_', '1')
            for i = 1, #ARGV, 2 do
              local channel = ARGV[i]
              local new = tonumber(ARGV[i + 1])
              local old = tonumber(redis.call('HGET', KEYS[1], channel) or '0')
              if new ~= old then
                if new > 0 then
                  redis.call('HSET', KEYS[1], channel, new)
                else
                  redis.call('HDEL', KEYS[1], channel)
                end
                if redis.call('HINCRBY', KEYS[2], channel, new - old) <= 0 then
                  redis.call('HDEL', KEYS[2], channel)
                end
              end
            end
            return 1
            """);
    // On a cluster. KEYS: this instance's counts. ARGV: channel, count, ... Keeps the list of its channels.
    private static final Script INDEX = new Script("""
            redis.call('HSET', KEYS[1], '_', '1')
            for i = 1, #ARGV, 2 do
              if tonumber(ARGV[i + 1]) > 0 then
                redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
              else
                redis.call('HDEL', KEYS[1], ARGV[i])
              end
            end
            return 1
            """);
    // On a cluster. KEYS: the channel's per-instance counts, its total. ARGV: instance, count (-1: take it out).
    private static final Script CHANNEL = new Script("""
            local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
            local new = math.max(0, tonumber(ARGV[2]))
            if new == old then
              return 0
            end
            if new > 0 then
              redis.call('HSET', KEYS[1], ARGV[1], new)
            else
              redis.call('HDEL', KEYS[1], ARGV[1])
            end
            if redis.call('INCRBY', KEYS[2], new - old) <= 0 then
              redis.call('DEL', KEYS[2])
            end
            return 1
            """);
    // On a cluster. KEYS: instances, the dead instance's counts, connected, reports. ARGV: its id, stale ms.
    // Returns {0} if it is alive after all, else {1, its channels...}, having taken it out of the instances.
    private static final Script BURY_INDEX = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local seen = redis.call('ZSCORE', KEYS[1], ARGV[1])
            if seen and tonumber(seen) > now - tonumber(ARGV[2]) then
              return {0}
            end
            local out = {1}
            for _, field in ipairs(redis.call('HKEYS', KEYS[2])) do
              if field ~= '_' then
                table.insert(out, field)
              end
            end
            redis.call('DEL', KEYS[2])
            redis.call('ZREM', KEYS[1], ARGV[1])
            redis.call('HDEL', KEYS[3], ARGV[1])
            redis.call('HDEL', KEYS[4], ARGV[1])
            return out
            """);
    // KEYS: instances, this instance's counts, connected, reports. ARGV: id, connected, stale ms, report.
    // Returns {1 if the counts hash existed, stale instance ids...}; the hash exists from then on (its alive mark).
    private static final Script HEARTBEAT = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('ZADD', KEYS[1], now, ARGV[1])
            redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
            redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
            local out = {redis.call('EXISTS', KEYS[2])}
            redis.call('HSET', KEYS[2], '_', '1')
            for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))) do
              table.insert(out, id)
            end
            return out
            """);
    // KEYS: instances, the dead instance's counts, connected, totals, reports. ARGV: its id, stale ms.
    private static final Script BURY = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local seen = redis.call('ZSCORE', KEYS[1], ARGV[1])
            if seen and tonumber(seen) > now - tonumber(ARGV[2]) then
              return 0
            end
            local counts = redis.call('HGETALL', KEYS[2])
            for i = 1, #counts, 2 do
              if counts[i] ~= '_' and redis.call('HINCRBY', KEYS[4], counts[i], -tonumber(counts[i + 1])) <= 0 then
                redis.call('HDEL', KEYS[4], counts[i])
              end
            end
            redis.call('DEL', KEYS[2])
            redis.call('ZREM', KEYS[1], ARGV[1])
            redis.call('HDEL', KEYS[3], ARGV[1])
            redis.call('HDEL', KEYS[5], ARGV[1])
            return 1
            """);
    // KEYS: instances, connected, reports. ARGV: stale ms. Returns id, count, report, id, count, report...
    private static final Script CONNECTED = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local out = {}
            for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf')) do
              table.insert(out, id)
              table.insert(out, redis.call('HGET', KEYS[2], id) or '0')
              table.insert(out, redis.call('HGET', KEYS[3], id) or '')
            end
            return out
            """);

    private final RedisLink link;
    private final RedisKeys keys;
    private final String instance;
    private final Hub hub;
    private final IntSupplier localConnected;
    private final Supplier<InstanceReport> report;
    private final Supplier<Set<String>> subscribed;
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private volatile Map<String, Long> connectedCache = Map.of();
    private volatile List<InstanceReport> reportsCache = List.of();

    /**
     * @param link           the connection
     * @param keys           key names
     * @param instance       this instance's id
     * @param hub            local counts
     * @param localConnected this instance's open sockets
     * @param report         what this instance says about itself in each heartbeat (called once per heartbeat)
     * @param subscribed     channels still subscribed in Redis (their zero must be written too)
     */
    ClusterCounts(RedisLink link, RedisKeys keys, String instance, Hub hub, IntSupplier localConnected,
                  Supplier<InstanceReport> report, Supplier<Set<String>> subscribed) {
        this.link = link;
        this.keys = keys;
        this.instance = instance;
        this.hub = hub;
        this.localConnected = localConnected;
        this.report = report;
        this.subscribed = subscribed;
        // Redis mirrors the hub's counts: every change on a channel is written on the next flush.
        hub.onCountChange(dirty::add);
    }

    /**
     * Writes every count that changed since the last flush. Called every maintenance tick.
     */
    void flush() {
        if (dirty.isEmpty()) {
            return;
        }
        List<String> channels = new ArrayList<>(dirty);
        dirty.removeAll(channels);
        try {
            for (int i = 0; i < channels.size(); i += CHUNK) {
                List<String> chunk = channels.subList(i, Math.min(channels.size(), i + CHUNK));
                byte[][] args = new byte[chunk.size() * 2][];
                for (int j = 0; j < chunk.size(); j++) {
                    args[2 * j] = RedisLink.bytes(chunk.get(j));
                    args[2 * j + 1] = RedisLink.bytes(Integer.toString(hub.count(chunk.get(j))));
                }
                if (keys.cluster()) {
                    flushSharded(chunk, args);
                } else {
                    link.run(FLUSH, ScriptOutputType.INTEGER, new String[] {keys.counts(instance), keys.totals()},
                            args);
                }
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // Try again on the next tick.
            dirty.addAll(channels);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dirty.addAll(channels);
        }
    }

    // The instance's list first: a channel written but not listed could never be taken out when it dies.
    private void flushSharded(List<String> chunk, byte[][] args)
            throws ExecutionException, TimeoutException, InterruptedException {
        link.run(INDEX, ScriptOutputType.INTEGER, new String[] {keys.counts(instance)}, args);
        List<CompletableFuture<Object>> each = new ArrayList<>(chunk.size());
        for (int j = 0; j < chunk.size(); j++) {
            String channel = chunk.get(j);
            each.add(link.runAsync(CHANNEL, ScriptOutputType.INTEGER,
                    new String[] {keys.channelCounts(channel), keys.total(channel)}, RedisLink.bytes(instance),
                    args[2 * j + 1]));
        }
        CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .get(link.settings().timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Every count this instance holds is written again on the next flush (after Redis may have lost them).
     */
    void markAllDirty() {
        dirty.addAll(hub.channels());
        // Channels still subscribed but already empty locally: their zero must be written too.
        dirty.addAll(subscribed.get());
    }

    /**
     * Says this instance is alive, takes dead instances out of the counts, and refreshes the cluster's socket counts
     * for {@code /info.json}.
     *
     * @throws BusUnavailableException when Redis does not answer
     */
    void heartbeat() throws BusUnavailableException {
        try {
            List<Object> out = link.run(HEARTBEAT, ScriptOutputType.MULTI,
                    new String[] {keys.instances(), keys.counts(instance), keys.connected(), keys.reports()},
                    RedisLink.bytes(instance), RedisLink.bytes(Integer.toString(localConnected.getAsInt())),
                    RedisLink.bytes(Long.toString(STALE.toMillis())), RedisLink.bytes(report.get().toJson()));
            if ((Long) out.getFirst() == 0) {
                markAllDirty();
            }
            for (int i = 1; i < out.size(); i++) {
                bury(RedisLink.text(out.get(i)));
            }
            readConnected();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new BusUnavailableException("Redis did not answer a heartbeat within " + link.settings().timeout()
                    .toMillis() + " ms (" + RedisLink.rootMessage(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusUnavailableException("interrupted", e);
        }
    }

    private void bury(String dead) throws ExecutionException, TimeoutException, InterruptedException {
        if (keys.cluster()) {
            if (burySharded(dead, STALE.toMillis())) {
                LOG.log(Level.INFO, "instance " + dead + " stopped heartbeating; its sockets no longer count");
            }
            return;
        }
        Long buried = link.run(BURY, ScriptOutputType.INTEGER,
                new String[] {keys.instances(), keys.counts(dead), keys.connected(), keys.totals(), keys.reports()},
                RedisLink.bytes(dead), RedisLink.bytes(Long.toString(STALE.toMillis())));
        if (buried != null && buried == 1) {
            LOG.log(Level.INFO, "instance " + dead + " stopped heartbeating; its sockets no longer count");
        }
    }

    // Out of the instances first, then out of each channel's counts (each in its own slot).
    private boolean burySharded(String dead, long staleMillis)
            throws ExecutionException, TimeoutException, InterruptedException {
        List<Object> out = link.run(BURY_INDEX, ScriptOutputType.MULTI,
                new String[] {keys.instances(), keys.counts(dead), keys.connected(), keys.reports()},
                RedisLink.bytes(dead),
                RedisLink.bytes(Long.toString(staleMillis)));
        if ((Long) out.getFirst() == 0) {
            return false;
        }
        List<CompletableFuture<Object>> each = new ArrayList<>(out.size());
        for (int i = 1; i < out.size(); i++) {
            String channel = RedisLink.text(out.get(i));
            each.add(link.runAsync(CHANNEL, ScriptOutputType.INTEGER,
                    new String[] {keys.channelCounts(channel), keys.total(channel)}, RedisLink.bytes(dead),
                    RedisLink.bytes("-1")));
        }
        CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .get(link.settings().timeout().toMillis(), TimeUnit.MILLISECONDS);
        return true;
    }

    private void readConnected() throws ExecutionException, TimeoutException, InterruptedException {
        List<Object> flat = link.run(CONNECTED, ScriptOutputType.MULTI,
                new String[] {keys.instances(), keys.connected(), keys.reports()},
                RedisLink.bytes(Long.toString(STALE.toMillis())));
        Map<String, Long> counts = new LinkedHashMap<>();
        List<InstanceReport> reports = new ArrayList<>();
        for (int i = 0; i + 2 < flat.size(); i += 3) {
            String id = RedisLink.text(flat.get(i));
            counts.put(id, Long.parseLong(RedisLink.text(flat.get(i + 1))));
            InstanceReport.parse(id, RedisLink.text(flat.get(i + 2))).ifPresent(reports::add);
        }
        // This instance's own figure is always the current one.
        counts.put(instance, (long) localConnected.getAsInt());
        connectedCache = Collections.unmodifiableMap(counts);
        reportsCache = List.copyOf(reports);
    }

    /**
     * @return what each live instance said about itself in its last heartbeat, as this instance's heartbeat last read
     *         them (at most a second or two old)
     */
    List<InstanceReport> reports() {
        return reportsCache;
    }

    /**
     * @return open sockets per live instance, as the heartbeat last read them (at most a second old)
     */
    Map<String, Long> connected() {
        Map<String, Long> cached = connectedCache;
        return cached.isEmpty() ? Map.of(instance, (long) localConnected.getAsInt()) : cached;
    }

    /**
     * @param channel the channel
     * @return sockets on it across the cluster
     */
    int total(String channel) throws BusUnavailableException {
        try {
            byte[] value = (keys.cluster() ? link.commands().get(keys.total(channel))
                    : link.commands().hget(keys.totals(), channel))
                    .get(link.settings().timeout().toMillis(), TimeUnit.MILLISECONDS);
            return value == null ? 0 : Integer.parseInt(RedisLink.text(value));
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new BusUnavailableException("Redis did not answer (" + RedisLink.rootMessage(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusUnavailableException("interrupted", e);
        }
    }

    /**
     * This instance stops: its counts leave the totals at once rather than after {@link #STALE}.
     */
    void leaveCluster() {
        try {
            if (keys.cluster()) {
                burySharded(instance, -1);
                return;
            }
            link.run(BURY, ScriptOutputType.INTEGER,
                    new String[] {keys.instances(), keys.counts(instance), keys.connected(), keys.totals(),
                            keys.reports()},
                    RedisLink.bytes(instance), RedisLink.bytes("-1"));
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // Redis unreachable at shutdown: the others bury this instance once its heartbeat is stale.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
