package io.bifrost.gateway.bus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import io.bifrost.gateway.config.RecoverySettings;

import io.lettuce.core.ScriptOutputType;

/**
 * A broadcast's one atomic step in Redis: refuse it if an instance holding sockets on one of its channels is behind,
 * take its {@code jti}, then per channel assign the next offset (a new epoch first when the channel's history was
 * lost), append it to the history, and publish it; answer the sockets it reaches. One round trip, all channels or
 * none, and O(1) per channel: the count is the cluster total each instance keeps up to date, not a sum over
 * instances.
 */
final class PublishScript {
    // KEYS: 1 behind, 2 totals, 3 jti, then per channel i: meta, history; then per behind candidate j: its counts.
    // ARGV: 1 n channels, 2 m candidates, 3 jti? (1/0), 4 jti ttl ms, 5 fresh epoch, 6 history size, 7 history age ms,
    // 8 meta ttl ms, 9 publish µs, 10 origin, 11 frame, 12 pub/sub prefix, 12+i channel i, 12+n+j candidate j.
    // Returns {sockets}, {-1, instance} when held back, {-2} for a duplicate jti.
    private static final Script SCRIPT = new Script("""
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
              local c = redis.call('HGET', KEYS[2], name)
              if c then
                total = total + tonumber(c)
              end
              redis.call('PUBLISH', ARGV[12] .. name,
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
            throws BehindException, ExecutionException, TimeoutException, InterruptedException {
        List<String> channels = publication.channels();
        int n = channels.size();
        int m = behind.size();
        String[] keyNames = new String[3 + 2 * n + m];
        keyNames[0] = keys.behind();
        keyNames[1] = keys.totals();
        keyNames[2] = keys.jti(publication.jti().orElse(""));
        for (int i = 0; i < n; i++) {
            keyNames[3 + 2 * i] = keys.meta(channels.get(i));
            keyNames[4 + 2 * i] = keys.history(channels.get(i));
        }
        for (int j = 0; j < m; j++) {
            keyNames[3 + 2 * n + j] = keys.counts(behind.get(j));
        }
        long ageMillis = recovery.historyAge().toMillis();
        List<byte[]> args = new ArrayList<>(12 + n + m);
        args.add(RedisLink.bytes(Integer.toString(n)));
        args.add(RedisLink.bytes(Integer.toString(m)));
        args.add(RedisLink.bytes(publication.jti().isPresent() ? "1" : "0"));
        args.add(RedisLink.bytes(Long.toString(Math.max(1, publication.jtiTtl().toMillis()))));
        args.add(RedisLink.bytes(Epochs.fresh()));
        args.add(RedisLink.bytes(Integer.toString(recovery.historySize())));
        args.add(RedisLink.bytes(Long.toString(ageMillis)));
        args.add(RedisLink.bytes(Long.toString(Math.max(ageMillis, META_TTL_FLOOR.toMillis()))));
        args.add(RedisLink.bytes(Long.toString(nowMicros())));
        args.add(RedisLink.bytes(origin));
        args.add(publication.frame().bytes());
        args.add(RedisLink.bytes(keys.pubsubPrefix()));
        channels.forEach(c -> args.add(RedisLink.bytes(c)));
        behind.forEach(b -> args.add(RedisLink.bytes(b)));
        List<Object> answer = link.run(SCRIPT, ScriptOutputType.MULTI, keyNames, args.toArray(byte[][]::new));
        long first = answer.isEmpty() ? 0 : (Long) answer.getFirst();
        if (first == -1) {
            String instance = RedisLink.text(answer.get(1));
            throw new BehindException("instance " + instance + ", which holds sockets on "
                    + (n == 1 ? "this channel" : "one of these channels") + ", is behind its deliveries"
                    + " (BIFROST_MAX_BACKLOG)", instance);
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
