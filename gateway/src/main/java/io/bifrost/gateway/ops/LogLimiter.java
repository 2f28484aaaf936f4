package io.bifrost.gateway.ops;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Rate limit for a log line that a client, a publisher or an outage can make repeat: per key, the first occurrence
 * is logged, then at most one per interval, carrying how many were suppressed since the last line.
 *
 * <p>One instance per use site (or per gateway), never static: each gateway in a JVM counts its own.
 *
 * <pre>{@code
 * private final LogLimiter refusals = new LogLimiter();   // one line a minute per key
 *
 * refusals.log(LOG, Level.INFO, "auth:" + e.reason().label(),
 *         () -> "socket " + id + " refused: " + LogText.of(e.getMessage()));
 * // INFO  socket 7 refused: token expired at 2030-01-01T00:00:00Z
 * // ... a minute later, on the next refusal with that reason:
 * // INFO  socket 912 refused: token expired at 2030-01-01T00:01:00Z (and 4,211 more like it since the last such line)
 * }</pre>
 *
 * <p>Keys are the caller's: name the kind of event ({@code "auth:expired"}, {@code "redis-unavailable"}), not the
 * request. Their number is bounded: past {@code maxKeys}, keys whose interval has run out with nothing suppressed
 * are forgotten, and if none is, new keys share one overflow key, so counts are never lost and memory stays bounded.
 * A count is carried by the next line for its key; if no occurrence follows, it is not logged.
 *
 * <p>Thread-safe.
 */
public final class LogLimiter {
    /** The interval {@link #LogLimiter()} uses. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
    /** The number of keys {@link #LogLimiter()} and {@link #LogLimiter(Duration)} keep. */
    public static final int DEFAULT_MAX_KEYS = 1000;

    private static final String OVERFLOW = "\u0000overflow";

    private final long intervalNanos;
    private final int maxKeys;
    private final LongSupplier nanoTime;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Window> windows = new HashMap<>();
    private long purgedAt;

    /**
     * One line a minute per key, at most {@value #DEFAULT_MAX_KEYS} keys.
     */
    public LogLimiter() {
        this(DEFAULT_INTERVAL);
    }

    /**
     * @param interval at most one line per key per interval, after the first
     */
    public LogLimiter(Duration interval) {
        this(interval, DEFAULT_MAX_KEYS, System::nanoTime);
    }

    /**
     * @param interval at most one line per key per interval, after the first
     * @param maxKeys  how many keys are told apart
     * @param nanoTime a monotonic clock in nanoseconds, {@code System::nanoTime} but in tests
     */
    public LogLimiter(Duration interval, int maxKeys, LongSupplier nanoTime) {
        if (interval.isNegative() || maxKeys < 1) {
            throw new IllegalArgumentException("a LogLimiter needs an interval of 0 or more and at least one key; got "
                    + interval + " and " + maxKeys);
        }
        this.intervalNanos = interval.toNanos();
        this.maxKeys = maxKeys;
        this.nanoTime = nanoTime;
        this.purgedAt = nanoTime.getAsLong() - intervalNanos;
    }

    /**
     * Counts an occurrence and says whether to log it.
     *
     * @param key the kind of event
     * @return empty to suppress this occurrence; else how many occurrences of the key were suppressed since its last
     *         line (0 for the first)
     */
    public OptionalLong admit(String key) {
        long now = nanoTime.getAsLong();
        lock.lock();
        try {
            Window window = windows.get(key);
            if (window == null) {
                String slot = slotFor(key, now);
                window = windows.get(slot);
                if (window == null) {
                    windows.put(slot, new Window(now));
                    return OptionalLong.of(0);
                }
            }
            if (now - window.loggedAt < intervalNanos) {
                window.suppressed++;
                return OptionalLong.empty();
            }
            long suppressed = window.suppressed;
            window.loggedAt = now;
            window.suppressed = 0;
            return OptionalLong.of(suppressed);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Logs {@code message} unless this occurrence of {@code key} is suppressed, with the count of suppressed ones
     * appended. The message is only built when it is logged.
     *
     * @param logger  where the line goes
     * @param level   its level
     * @param key     the kind of event
     * @param message the line, made safe by the caller ({@link LogText#of} around request-derived values)
     */
    public void log(System.Logger logger, Level level, String key, Supplier<String> message) {
        if (!logger.isLoggable(level)) {
            return;
        }
        OptionalLong admitted = admit(key);
        if (admitted.isPresent()) {
            logger.log(level, message.get() + suppressed(admitted.getAsLong()));
        }
    }

    /**
     * @param count occurrences suppressed since the last line
     * @return what {@link #log} appends to a line: empty for 0, else {@code " (and N more like it since the last such
     *         line)"}
     */
    public static String suppressed(long count) {
        return count == 0 ? "" : String.format(java.util.Locale.ROOT, " (and %,d more like it since the last such line)",
                count);
    }

    // Where a new key is counted: under itself while there is room (made, at most once an interval, by forgetting keys
    // with nothing to carry, so a flood of new keys costs no scan each); else, or while the overflow still carries a
    // count for its next line, under the overflow.
    private String slotFor(String key, long now) {
        if (windows.size() >= maxKeys && now - purgedAt >= intervalNanos) {
            purgedAt = now;
            windows.values().removeIf(w -> w.suppressed == 0 && now - w.loggedAt >= intervalNanos);
        }
        Window overflow = windows.get(OVERFLOW);
        return windows.size() < maxKeys && (overflow == null || overflow.suppressed == 0) ? key : OVERFLOW;
    }

    /** When a key was last logged and how many of it were suppressed since. */
    private static final class Window {
        private long loggedAt;
        private long suppressed;

        Window(long loggedAt) {
            this.loggedAt = loggedAt;
        }
    }
}
