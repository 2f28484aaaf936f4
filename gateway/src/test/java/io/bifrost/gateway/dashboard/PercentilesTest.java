package io.bifrost.gateway.dashboard;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PercentilesTest {
    private static final double[] BOUNDS = {0.001, 0.01, 0.1};

    @Test
    void nothingRecordedBetweenTwoReadingsHasNoPercentiles() {
        assertNull(Percentiles.between(BOUNDS, new long[] {5, 0, 0, 0}, new long[] {5, 0, 0, 0}));
    }

    @Test
    void onlyWhatWasRecordedBetweenTheReadingsCountsInterpolatedWithinItsBucket() {
        // Before: 100 fast ones, which must not count. Between: 10 in (1 ms, 10 ms], 10 in (10 ms, 100 ms].
        Map<String, Object> p = Percentiles.between(BOUNDS, new long[] {100, 0, 0, 0}, new long[] {100, 10, 10, 0});

        assertEquals(Map.of("n", 20L, "p50", 10.0, "p90", 82.0, "p99", 98.2), p);
    }

    @Test
    void aboveTheLastBoundIsReportedAsTheLastBound() {
        assertEquals(Map.of("n", 1L, "p50", 100.0, "p90", 100.0, "p99", 100.0),
                Percentiles.between(BOUNDS, new long[] {0, 0, 0, 0}, new long[] {0, 0, 0, 1}));
    }
}
