package io.bifrost.gateway.ops;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram with fixed buckets, in seconds. Recording is lock-free: one adder per bucket.
 */
public final class Histogram {
    private final double[] bounds;
    private final LongAdder[] buckets;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    /**
     * @param bounds upper bounds of the buckets, ascending, in seconds
     */
    public Histogram(double... bounds) {
        this.bounds = bounds.clone();
        this.buckets = new LongAdder[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /**
     * A histogram for latencies from 100 µs to 10 s.
     *
     * @return the histogram
     */
    public static Histogram latency() {
        return new Histogram(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                5, 10);
    }

    /**
     * @param nanos an observed duration
     */
    public void recordNanos(long nanos) {
        double seconds = nanos / 1e9;
        count.increment();
        sum.add(seconds);
        for (int i = 0; i < bounds.length; i++) {
            if (seconds <= bounds[i]) {
                buckets[i].increment();
                return;
            }
        }
    }

    /**
     * @return observations so far
     */
    public long count() {
        return count.sum();
    }

    /**
     * @return upper bounds of the buckets, in seconds (a copy)
     */
    public double[] bounds() {
        return bounds.clone();
    }

    /**
     * Observations per bucket so far, not cumulative; the last entry counts those above every bound. Read bucket by
     * bucket while recording goes on, so two reads' difference is what fell in between, give or take one in flight.
     *
     * @return the counts, one longer than {@link #bounds()}
     */
    public long[] bucketCounts() {
        long[] counts = new long[bounds.length + 1];
        long inBuckets = 0;
        for (int i = 0; i < bounds.length; i++) {
            counts[i] = buckets[i].sum();
            inBuckets += counts[i];
        }
        counts[bounds.length] = Math.max(0, count.sum() - inBuckets);
        return counts;
    }

    void render(StringBuilder out, String name, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += buckets[i].sum();
            out.append(name).append("_bucket{le=\"").append(bounds[i]).append("\"} ").append(cumulative).append('\n');
        }
        out.append(name).append("_bucket{le=\"+Inf\"} ").append(count.sum()).append('\n');
        out.append(name).append("_sum ").append(sum.sum()).append('\n');
        out.append(name).append("_count ").append(count.sum()).append('\n');
    }
}
