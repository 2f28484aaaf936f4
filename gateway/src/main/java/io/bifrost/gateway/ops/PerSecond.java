package io.bifrost.gateway.ops;

/**
 * Turns a counter that only grows into a rate: each reading gives the change per second since the one before.
 * Readings come from one thread at a time (a sampler's or a heartbeat's).
 */
public final class PerSecond {
    private long lastValue = -1;
    private long lastNanos;

    /**
     * @param value     the counter now
     * @param nowNanos  {@link System#nanoTime()} now
     * @return the change per second since the previous reading; 0 on the first
     */
    public synchronized double update(long value, long nowNanos) {
        double rate = 0;
        if (lastValue >= 0 && nowNanos > lastNanos) {
            rate = Math.max(0, value - lastValue) * 1e9 / (nowNanos - lastNanos);
        }
        lastValue = value;
        lastNanos = nowNanos;
        return rate;
    }
}
