package io.bifrost.gateway.ops;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistogramTest {
    @Test
    void bucketCountsAreOnePerBucketNotCumulativeWithTheOverflowLast() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Histogram histogram = Histogram.latency(registry, "t.latency", "test");

        histogram.recordNanos(50_000);          // 50 µs: the first bucket (≤ 100 µs)
        histogram.recordNanos(50_000);
        histogram.recordNanos(3_000_000);       // 3 ms: ≤ 5 ms
        histogram.recordNanos(20_000_000_000L); // 20 s: above every bound

        long[] expected = new long[Histogram.LATENCY_BOUNDS.length + 1];
        expected[0] = 2;
        expected[5] = 1;
        expected[Histogram.LATENCY_BOUNDS.length] = 1;
        assertArrayEquals(expected, histogram.bucketCounts());
        assertEquals(4, histogram.count());
    }

    @Test
    void twoStatsNeverShareAMeter() {
        Stats first = new Stats();
        Stats second = new Stats();

        first.broadcastAccepted();
        first.broadcastAccepted();
        second.broadcastAccepted();

        assertEquals(2, first.broadcastsAccepted());
        assertEquals(1, second.broadcastsAccepted());
        assertTrue(first.registry().scrape().contains("\nbifrost_broadcasts_accepted_total 2.0\n"),
                first.registry().scrape());
    }
}
