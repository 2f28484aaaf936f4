package io.bifrost.gateway.bus;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

import io.bifrost.gateway.hub.Delivery;
import io.bifrost.gateway.hub.WireFrame;

import io.lettuce.core.ScriptOutputType;

/**
 * Reads a channel's head (epoch, last offset, and where the previous epoch ended) and a range of its history in one
 * atomic step, so the range always belongs to the epoch read with it.
 */
final class RedisHistory {
    // KEYS: meta, history. ARGV: after, upTo. Returns epoch|nil, top, previous epoch|nil, previous top, Redis ms,
    // then id, frame for each entry of (after, upTo].
    private static final Script READ = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local meta = redis.call('HMGET', KEYS[1], 'e', 'o', 'pe', 'pt')
            local out = {meta[1] or false, meta[2] or '0', meta[3] or false, meta[4] or '0', tostring(now)}
            local after = tonumber(ARGV[1])
            local upto = tonumber(ARGV[2])
            if upto > after then
              local entries = redis.call('XRANGE', KEYS[2], tostring(after + 1), tostring(upto))
              for _, entry in ipairs(entries) do
                table.insert(out, entry[1])
                table.insert(out, entry[2][2])
              end
            end
            return out
            """);

    /**
     * A channel's head as Redis has it.
     *
     * @param epoch         its epoch, or null when it has none (no broadcast since its history was lost)
     * @param top           its last offset
     * @param previousEpoch the epoch before, when this one started after a history was lost, or null
     * @param previousTop   where the previous epoch ended
     */
    record Head(String epoch, long top, String previousEpoch, long previousTop) {
    }

    /**
     * A head and what was asked of its history.
     *
     * @param head  the channel's head
     * @param range the broadcasts asked for, when the history holds every one of them, young enough
     * @param tail  the newest of them that the history holds without a hole, young enough, up to the last one asked
     *              for (all of them when {@code range} is present; empty when the history does not hold the last one)
     */
    record Read(Head head, Optional<List<Delivery>> range, List<Delivery> tail) {
    }

    private final RedisLink link;
    private final RedisKeys keys;
    private final long ageMillis;

    RedisHistory(RedisLink link, RedisKeys keys, long ageMillis) {
        this.link = link;
        this.keys = keys;
        this.ageMillis = ageMillis;
    }

    /**
     * @param channel the channel
     * @return its head
     */
    Head head(String channel) throws BusUnavailableException {
        return read(channel, 0, 0).head();
    }

    /**
     * @param channel the channel
     * @param after   read broadcasts after this offset
     * @param upTo    up to and including this one
     * @return the head, and the range if the history holds all of it
     */
    Read read(String channel, long after, long upTo) throws BusUnavailableException {
        List<Object> out;
        try {
            out = link.run(READ, ScriptOutputType.MULTI, new String[] {keys.meta(channel), keys.history(channel)},
                    RedisLink.bytes(Long.toString(after)), RedisLink.bytes(Long.toString(upTo)));
        } catch (ExecutionException | RuntimeException e) {
            throw new BusUnavailableException("Redis did not answer a history read (" + RedisLink.rootMessage(e)
                    + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusUnavailableException("interrupted while reading history", e);
        }
        Head head = new Head(out.get(0) == null ? null : RedisLink.text(out.get(0)),
                Long.parseLong(RedisLink.text(out.get(1))),
                out.get(2) == null ? null : RedisLink.text(out.get(2)),
                Long.parseLong(RedisLink.text(out.get(3))));
        long now = Long.parseLong(RedisLink.text(out.get(4)));
        if (upTo <= after) {
            return new Read(head, Optional.of(List.of()), List.of());
        }
        // The entries of (after, upTo] in order; a hole (trimmed) or one past the age breaks the run before it.
        List<Delivery> run = new ArrayList<>((out.size() - 5) / 2);
        boolean whole = true;
        long expected = after + 1;
        for (int i = 5; i + 1 < out.size(); i += 2) {
            String id = RedisLink.text(out.get(i));
            int dash = id.indexOf('-');
            long offset = Long.parseLong(id.substring(0, dash));
            long publishedMillis = Long.parseLong(id.substring(dash + 1));
            if (offset != expected || now - publishedMillis > ageMillis) {
                whole = false;
                run.clear();
                if (now - publishedMillis > ageMillis) {
                    expected = offset + 1;
                    continue;
                }
            }
            run.add(new Delivery(channel, head.epoch(), offset, WireFrame.ofEncoded((byte[]) out.get(i + 1)),
                    publishedMillis * 1000));
            expected = offset + 1;
        }
        boolean reachesEnd = expected == upTo + 1;
        List<Delivery> tail = reachesEnd ? List.copyOf(run) : List.of();
        return new Read(head, whole && reachesEnd ? Optional.of(tail) : Optional.empty(), tail);
    }
}
