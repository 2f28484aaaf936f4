package io.bifrost.gateway.bus;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;

import io.bifrost.gateway.hub.Backlog;

import io.lettuce.core.ScriptOutputType;

/**
 * Backpressure across instances: an instance that is behind its deliveries marks itself in Redis, and every instance
 * keeps a local copy of who is marked, so a broadcast's publish step checks only those instances (not all of them)
 * and a held broadcast waits for its instance to catch up without asking Redis again and again.
 *
 * <p>A mark is refreshed while it lasts and lapses by itself if its instance dies.
 */
final class BehindMarks {
    private static final System.Logger LOG = System.getLogger(BehindMarks.class.getName());
    /** A mark is refreshed this often and lapses after {@link #TTL} if its instance stops doing so. */
    private static final Duration REFRESH = Duration.ofMillis(250);
    private static final Duration TTL = Duration.ofSeconds(1);
    private static final Duration LOG_EVERY = Duration.ofMinutes(1);
    /** How often the copy of the others' marks is refreshed. */
    static final Duration READ_EVERY = Duration.ofMillis(50);
    private static final long WAIT_STEP_NANOS = 2_000_000L;

    // KEYS: behind hash. ARGV: id, 1 to mark for ARGV[3] ms from Redis's now, 0 to clear.
    private static final Script MARK = new Script("""
            if ARGV[2] == '1' then
              local t = redis.call('TIME')
              local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
              return redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[3]))
            end
            return redis.call('HDEL', KEYS[1], ARGV[1])
            """);
    // KEYS: behind hash. Returns the ids whose mark has not lapsed.
    private static final Script READ = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local marks = redis.call('HGETALL', KEYS[1])
            local out = {}
            for i = 1, #marks, 2 do
              if tonumber(marks[i + 1]) > now then
                table.insert(out, marks[i])
              end
            end
            return out
            """);

    private final RedisLink link;
    private final RedisKeys keys;
    private final String instance;
    private final Backlog backlog;
    private volatile List<String> others = List.of();
    // Only the marking thread reads and writes these.
    private boolean marked;
    private long markedAtNanos;
    private long loggedNanos;
    private int episodes;
    private long readAtNanos;

    BehindMarks(RedisLink link, RedisKeys keys, String instance, Backlog backlog) {
        this.link = link;
        this.keys = keys;
        this.instance = instance;
        this.backlog = backlog;
    }

    /**
     * Compares this instance's backlog with its limit and tells Redis when that changes (or the mark needs a
     * refresh); refreshes the copy of the others' marks. Called every few milliseconds by one thread.
     */
    void tick() {
        long now = System.nanoTime();
        try {
            boolean behind = backlog.behind();
            if (behind != marked || behind && now - markedAtNanos >= REFRESH.toNanos()) {
                if (behind && !marked) {
                    logBehind(now);
                }
                marked = behind;
                markedAtNanos = now;
                link.run(MARK, ScriptOutputType.INTEGER, new String[] {keys.behind()}, RedisLink.bytes(instance),
                        RedisLink.bytes(behind ? "1" : "0"), RedisLink.bytes(Long.toString(TTL.toMillis())));
            }
            if (now - readAtNanos >= READ_EVERY.toNanos()) {
                readAtNanos = now;
                List<Object> ids = link.run(READ, ScriptOutputType.MULTI, new String[] {keys.behind()});
                List<String> read = new ArrayList<>(ids.size());
                for (Object id : ids) {
                    String name = RedisLink.text(id);
                    if (!name.equals(instance)) {
                        read.add(name);
                    }
                }
                others = List.copyOf(read);
            }
        } catch (ExecutionException | RuntimeException e) {
            // Redis unreachable: broadcasts are refused anyway, and a stale mark lapses by itself; marked again once
            // Redis answers.
            marked = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @return other instances marked behind, as last read (at most {@link #READ_EVERY} old)
     */
    List<String> others() {
        return others;
    }

    /**
     * Waits until the instance that held a broadcast back has caught up, by the local copy of the marks.
     *
     * @param instance the instance
     * @param deadlineNanos when to give up
     * @return true if it caught up in time
     */
    boolean awaitCleared(String instance, long deadlineNanos) {
        while (others.contains(instance)) {
            if (System.nanoTime() >= deadlineNanos) {
                return false;
            }
            LockSupport.parkNanos(WAIT_STEP_NANOS);
        }
        return true;
    }

    /**
     * Takes this instance's mark out (it stops).
     */
    void clear() {
        try {
            link.commands().hdel(keys.behind(), instance);
        } catch (RuntimeException e) {
            // The mark lapses by itself.
        }
    }

    // A saturated instance goes behind and catches up many times a second: one line a minute says so.
    private void logBehind(long now) {
        episodes++;
        if (loggedNanos != 0 && now - loggedNanos < LOG_EVERY.toNanos()) {
            return;
        }
        LOG.log(Level.INFO, "behind: " + backlog.describe() + "; broadcasts to its channels are held back on every"
                + " instance (went behind " + episodes + " times since the last such line)");
        loggedNanos = now;
        episodes = 0;
    }
}
