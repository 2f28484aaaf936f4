package io.bifrost.gateway.ops;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;

/**
 * A latency histogram with fixed buckets, in seconds, exposed as a Prometheus histogram: a handle on a Micrometer
 * {@link Timer} taken once, so recording is one call on it (no lookup by name, no allocation).
 */
public final class Histogram {
    /** Upper bounds of the latency buckets, from 100 µs to 10 s. */
    static final double[] LATENCY_BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1, 2.5, 5, 10};

    private final double[] bounds;
    private final Timer timer;

    private Histogram(Timer timer, double[] bounds) {
        this.timer = timer;
        this.bounds = bounds.clone();
    }

    /**
     * A latency histogram from 100 µs to 10 s, registered under {@code <name>_seconds}.
     *
     * @param registry    where it is exposed
     * @param name        its name without the unit, dotted ({@code bifrost.broadcast.request})
     * @param description what it measures
     * @return the histogram
     */
    static Histogram latency(MeterRegistry registry, String name, String description) {
        Duration[] objectives = new Duration[LATENCY_BOUNDS.length];
        for (int i = 0; i < objectives.length; i++) {
            objectives[i] = Duration.ofNanos(Math.round(LATENCY_BOUNDS[i] * 1e9));
        }
        Timer timer = Timer.builder(name).description(description).serviceLevelObjectives(objectives)
                .register(registry);
        return new Histogram(timer, LATENCY_BOUNDS);
    }

    /**
     * @param nanos an observed duration
     */
    public void recordNanos(long nanos) {
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * @return observations so far
     */
    public long count() {
        return timer.count();
    }

    /**
     * @return upper bounds of the buckets, in seconds (a copy)
     */
    public double[] bounds() {
        return bounds.clone();
    }

    /**
     * Observations per bucket so far, not cumulative; the last entry counts those above every bound. Two reads'
     * difference is what fell in between, give or take one in flight. Allocates: for readers once a second, never
     * for the recording path.
     *
     * @return the counts, one longer than {@link #bounds()}
     */
    public long[] bucketCounts() {
        long[] counts = new long[bounds.length + 1];
        CountAtBucket[] cumulative = timer.takeSnapshot().histogramCounts();
        long below = 0;
        long inBuckets = 0;
        for (CountAtBucket bucket : cumulative) {
            int i = indexOf(bucket.bucket(TimeUnit.SECONDS));
            if (i >= 0) {
                long atOrBelow = (long) bucket.count();
                counts[i] = Math.max(0, atOrBelow - below);
                below = atOrBelow;
                inBuckets = atOrBelow;
            }
        }
        counts[bounds.length] = Math.max(0, timer.count() - inBuckets);
        return counts;
    }

    private int indexOf(double seconds) {
        for (int i = 0; i < bounds.length; i++) {
            if (Math.abs(bounds[i] - seconds) <= bounds[i] * 1e-9) {
                return i;
            }
        }
        return -1;
    }
}
