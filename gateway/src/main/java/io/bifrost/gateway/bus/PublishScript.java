package io.bifrost.gateway.bus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import io.bifrost.gateway.config.RecoverySettings;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;

/**
 * A broadcast's one atomic step in Redis: refuse it if an instance holding sockets on one of its channels is behind,
 * take its {@code jti}, then per channel assign the next offset (a new epoch first when the channel's history was
 * lost), append it to the history, and publish it; answer the sockets it reaches. One round trip, all channels or
 * none, and O(1) per channel: the count is the cluster total each instance keeps up to date, not a sum over
 * instances.
 *
 * <p>On a Redis Cluster a script runs on one slot, so the step runs once per slot its channels hash to (once for a
 * broadcast to one channel, nearly always the case): the {@code jti} is taken with the first slot's channels, and a
 * broadcast to channels in several slots is all-or-none per slot only. The backpressure check reads each candidate's
 * count from the channel's own hash, and which instances are candidates from this instance's copy of the marks (at
 * most {@link BehindMarks#READ_EVERY} old), since the marks live in another slot. Channels are published with
 * {@code SPUBLISH}, to the shard that owns them.
 */
final class PublishScript {
    // One channel's next position, appended to its history; both scripts' shared step. ARGV 5, 7, 8 and 11 as below.
    private static final String APPEND = """
            local function append(meta, hist, size, now)
              local epoch = redis.call('HGET', meta, 'e')
              local top = tonumber(redis.call('HGET', meta, 'o') or '0')
              if not epoch or (size > 0 and top > 0 and redis.call('EXISTS', hist) == 0) then
                -- The history is gone (expired, evicted, Redis restarted): positions start over in a new epoch,
                -- noting where the old one ended so subscribers can tell nothing was lost in between.
                if epoch then
                  redis.call('HSET', meta, 'pe', epoch, 'pt', top)
                else
                  redis.call('HDEL', meta, 'pe', 'pt')
                end
                epoch = ARGV[5]
                redis.call('HSET', meta, 'e', epoch, 'o', 0)
                redis.call('DEL', hist)
              end
              local offset = redis.call('HINCRBY', meta, 'o', 1)
              redis.call('PEXPIRE', meta, ARGV[8])
              if size > 0 then
                redis.call('XADD', hist, 'MAXLEN', size, offset .. '-' .. now, 'f', ARGV[11])
                redis.call('PEXPIRE', hist, ARGV[7])
              end
              return epoch, offset
            end
            """;
    // KEYS: 1 behind, 2 totals, 3 jti, then per channel i: meta, history; then per behind candidate j: its counts.
    // ARGV: 1 n channels, 2 m candidates, 3 jti? (1/0), 4 jti ttl ms, 5 fresh epoch, 6 history size, 7 history age ms,
    // 8 meta ttl ms, 9 publish µs, 10 origin, 11 frame, 12 pub/sub prefix, 12+i channel i, 12+n+j candidate j.
    // Returns {sockets}, {-1, instance} when held back, {-2} for a duplicate jti.
    private static final Script SCRIPT = new Script(APPEND + """
            local n = tonumber(ARGV[1])
            local m = tonumber(ARGV[2])
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            for j = 1, m do
              local id = ARGV[12 + n + j]
              local untilms = redis.call('HGET', KEYS[1], id)
              if untilms and tonumber(untilms) > now then
                for i = 1, n do
                  local c = redis.call('HGET', KEYS[3 + 2 * n + j], ARGV[12 + i])
                  if c and tonumber(c) > 0 then
                    return {-1, id}
                  end
                end
              end
            end
            if ARGV[3] == '1' and not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[4]) then
              return {-2}
            end
            local size = tonumber(ARGV[6])
            local total = 0
            for i = 1, n do
              local meta = KEYS[2 + 2 * i]
              local hist = KEYS[3 + 2 * i]
              local name = ARGV[12 + i]
              local epoch, offset = append(meta, hist, size, now)
              local c = redis.call('HGET', KEYS[2], name)
              if c then
                total = total + tonumber(c)
              end
              redis.call('PUBLISH', ARGV[12] .. name,
                'B2 ' .. epoch .. ' ' .. offset .. ' ' .. ARGV[9] .. ' ' .. ARGV[10] .. '\\n' .. ARGV[11])
            end
            return {total}
            """);
    // The same step for one slot of a Redis Cluster.
    // KEYS: 1 jti, then per channel i: meta, history, total, per-instance counts.
    // ARGV: 1 n channels, 2 m candidates, 3 jti? (1/0), 4 jti ttl ms, 5 fresh epoch, 6 history size, 7 history age ms,
    // 8 meta ttl ms, 9 publish µs, 10 origin, 11 frame, 12 unused, 12+i channel i's sharded pub/sub name,
    // 12+n+j candidate j. Returns as above.
    private static final Script SHARDED = new Script(APPEND + """
            local n = tonumber(ARGV[1])
            local m = tonumber(ARGV[2])
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            for j = 1, m do
              local id = ARGV[12 + n + j]
              for i = 1, n do
                local c = redis.call('HGET', KEYS[1 + 4 * i], id)
                if c and tonumber(c) > 0 then
                  return {-1, id}
                end
              end
            end
            if ARGV[3] == '1' and not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[4]) then
              return {-2}
            end
            local size = tonumber(ARGV[6])
            local total = 0
            for i = 1, n do
              local meta = KEYS[4 * i - 2]
              local hist = KEYS[4 * i - 1]
              local epoch, offset = append(meta, hist, size, now)
              local c = redis.call('GET', KEYS[4 * i])
              if c then
                total = total + tonumber(c)
              end
              redis.call('SPUBLISH', ARGV[12 + i],
                'B2 ' .. epoch .. ' ' .. offset .. ' ' .. ARGV[9] .. ' ' .. ARGV[10] .. '\\n' .. ARGV[11])
            end
            return {total}
            """);
    /** A channel's epoch outlives its history by this much, so a new epoch can say where the old one ended. */
    private static final Duration META_TTL_FLOOR = Duration.ofDays(1);

    private PublishScript() {
    }

    /**
     * Runs the publish step.
     *
     * @param link       the connection
     * @param keys       key names
     * @param publication the broadcast
     * @param behind     instances this one believes are behind now: only they are checked, so the step does not
     *                   grow with the number of instances
     * @param recovery   history settings
     * @param origin     this instance's id
     * @return the outcome
     */
    static Published run(RedisLink link, RedisKeys keys, Publication publication, List<String> behind,
                         RecoverySettings recovery, String origin)
            throws BehindException, ExecutionException, InterruptedException {
        if (!keys.cluster()) {
            return runOn(link, keys, publication, publication.channels(), true, behind, recovery, origin);
        }
        // One run per slot, in the order the channels came; the jti goes with the first.
        Map<Integer, List<String>> bySlot = new LinkedHashMap<>();
        for (String channel : publication.channels()) {
            bySlot.computeIfAbsent(SlotHash.getSlot(keys.meta(channel)), s -> new ArrayList<>()).add(channel);
        }
        long sockets = 0;
        boolean first = true;
        for (List<String> channels : bySlot.values()) {
            Published one = runOn(link, keys, publication, channels, first, behind, recovery, origin);
            if (one.duplicate()) {
                return one;
            }
            sockets += one.deliveries();
            first = false;
        }
        return new Published((int) Math.min(Integer.MAX_VALUE, sockets), false);
    }

    private static Published runOn(RedisLink link, RedisKeys keys, Publication publication, List<String> channels,
                                   boolean withJti, List<String> behind, RecoverySettings recovery, String origin)
            throws BehindException, ExecutionException, InterruptedException {
        int n = channels.size();
        int m = behind.size();
        String[] keyNames;
        String jti = publication.jti().orElse("");
        if (keys.cluster()) {
            keyNames = new String[1 + 4 * n];
            keyNames[0] = keys.jti(jti, channels.getFirst());
            for (int i = 0; i < n; i++) {
                keyNames[1 + 4 * i] = keys.meta(channels.get(i));
                keyNames[2 + 4 * i] = keys.history(channels.get(i));
                keyNames[3 + 4 * i] = keys.total(channels.get(i));
                keyNames[4 + 4 * i] = keys.channelCounts(channels.get(i));
            }
        } else {
            keyNames = new String[3 + 2 * n + m];
            keyNames[0] = keys.behind();
            keyNames[1] = keys.totals();
            keyNames[2] = keys.jti(jti, channels.getFirst());
            for (int i = 0; i < n; i++) {
                keyNames[3 + 2 * i] = keys.meta(channels.get(i));
                keyNames[4 + 2 * i] = keys.history(channels.get(i));
            }
            for (int j = 0; j < m; j++) {
                keyNames[3 + 2 * n + j] = keys.counts(behind.get(j));
            }
        }
        long ageMillis = recovery.historyAge().toMillis();
        List<byte[]> args = new ArrayList<>(12 + n + m);
        args.add(RedisLink.bytes(Integer.toString(n)));
        args.add(RedisLink.bytes(Integer.toString(m)));
        args.add(RedisLink.bytes(withJti && publication.jti().isPresent() ? "1" : "0"));
        args.add(RedisLink.bytes(Long.toString(Math.max(1, publication.jtiTtl().toMillis()))));
        args.add(RedisLink.bytes(Epochs.fresh()));
        args.add(RedisLink.bytes(Integer.toString(recovery.historySize())));
        args.add(RedisLink.bytes(Long.toString(ageMillis)));
        args.add(RedisLink.bytes(Long.toString(Math.max(ageMillis, META_TTL_FLOOR.toMillis()))));
        args.add(RedisLink.bytes(Long.toString(nowMicros())));
        args.add(RedisLink.bytes(origin));
        args.add(publication.frame().bytes());
        args.add(RedisLink.bytes(keys.pubsubPrefix()));
        channels.forEach(c -> args.add(RedisLink.bytes(keys.cluster() ? keys.pubsub(c) : c)));
        behind.forEach(b -> args.add(RedisLink.bytes(b)));
        List<Object> answer = link.run(keys.cluster() ? SHARDED : SCRIPT, ScriptOutputType.MULTI, keyNames,
                args.toArray(byte[][]::new));
        long first = answer.isEmpty() ? 0 : (Long) answer.getFirst();
        if (first == -1) {
            String instance = RedisLink.text(answer.get(1));
            throw new BehindException("instance " + instance + ", which holds sockets on "
                    + (publication.channels().size() == 1 ? "this channel" : "one of these channels")
                    + ", is behind its deliveries (BIFROST_MAX_BACKLOG)", instance);
        }
        if (first == -2) {
            return Published.DUPLICATE;
        }
        return new Published((int) Math.min(Integer.MAX_VALUE, first), false);
    }

    static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
