package io.bifrost.gateway.ops;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A log line that clients or publishers can cause over and over: the first occurrence is logged, then at most one
 * line per interval, carrying how many were left out.
 */
public final class LogLimiter {
    private final System.Logger log;
    private final Level level;
    private final long intervalNanos;
    private final AtomicLong lastNanos = new AtomicLong();
    private final LongAdder suppressed = new LongAdder();

    /**
     * @param log      where lines go
     * @param level    their level
     * @param interval at most one line per interval
     */
    public LogLimiter(System.Logger log, Level level, Duration interval) {
        this.log = log;
        this.level = level;
        this.intervalNanos = interval.toNanos();
    }

    /**
     * Logs the message unless one was logged within the interval.
     *
     * @param message the message (escape what came from a request)
     */
    public void log(String message) {
        long now = System.nanoTime();
        long last = lastNanos.get();
        if ((last == 0 || now - last >= intervalNanos) && lastNanos.compareAndSet(last, now)) {
            long left = suppressed.sumThenReset();
            log.log(level, left == 0 ? message : message + " (" + left + " more like it since the last such line)");
        } else {
            suppressed.increment();
        }
    }
}
