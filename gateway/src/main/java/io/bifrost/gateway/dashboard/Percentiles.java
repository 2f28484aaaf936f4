package io.bifrost.gateway.dashboard;

import java.util.Map;

import io.bifrost.gateway.http.JsonReply;

/**
 * Latency percentiles of what a histogram recorded between two readings of its buckets, interpolated within a bucket
 * as Prometheus' {@code histogram_quantile} does.
 */
final class Percentiles {
    private static final double[] QUANTILES = {0.5, 0.9, 0.99};
    private static final String[] NAMES = {"p50", "p90", "p99"};

    private Percentiles() {
    }

    /**
     * @param bounds bucket upper bounds in seconds
     * @param before bucket counts at the earlier reading ({@code bounds.length + 1} long, the last above every bound)
     * @param after  bucket counts now
     * @return {@code p50}, {@code p90}, {@code p99} in milliseconds and {@code n}, or null when nothing was recorded
     */
    static Map<String, Object> between(double[] bounds, long[] before, long[] after) {
        long[] delta = new long[after.length];
        long total = 0;
        for (int i = 0; i < after.length; i++) {
            delta[i] = Math.max(0, after[i] - before[i]);
            total += delta[i];
        }
        if (total == 0) {
            return null;
        }
        Map<String, Object> out = JsonReply.object("n", total);
        for (int q = 0; q < QUANTILES.length; q++) {
            out.put(NAMES[q], Math.round(quantile(QUANTILES[q], bounds, delta, total) * 1e6) / 1e3);
        }
        return out;
    }

    private static double quantile(double q, double[] bounds, long[] delta, long total) {
        double rank = q * total;
        long seen = 0;
        for (int i = 0; i < delta.length; i++) {
            if (delta[i] > 0 && seen + delta[i] >= rank) {
                if (i == bounds.length) {
                    // Above the last bound: all that can be said is "more than it".
                    return bounds[bounds.length - 1];
                }
                double lower = i == 0 ? 0 : bounds[i - 1];
                return lower + (bounds[i] - lower) * (rank - seen) / delta[i];
            }
            seen += delta[i];
        }
        return bounds[bounds.length - 1];
    }
}
