package io.bifrost.gateway.ops;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LogLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(42 * SECOND);
    private final LogLimiter limiter = new LogLimiter(Duration.ofMinutes(1), 3, now::get);

    @Test
    void theFirstIsLoggedThenOneAnIntervalWithTheCountSuppressed() {
        assertEquals(OptionalLong.of(0), limiter.admit("a"));
        for (int i = 0; i < 5; i++) {
            now.addAndGet(10 * SECOND);
            assertEquals(OptionalLong.empty(), limiter.admit("a"), "occurrence " + i);
        }
        now.addAndGet(10 * SECOND); // a minute after the first line
        assertEquals(OptionalLong.of(5), limiter.admit("a"));
        now.addAndGet(59 * SECOND);
        assertEquals(OptionalLong.empty(), limiter.admit("a"));
        now.addAndGet(SECOND);
        assertEquals(OptionalLong.of(1), limiter.admit("a"));
        now.addAndGet(3600 * SECOND);
        assertEquals(OptionalLong.of(0), limiter.admit("a"));
    }

    @Test
    void keysAreCountedApart() {
        assertEquals(OptionalLong.of(0), limiter.admit("a"));
        assertEquals(OptionalLong.of(0), limiter.admit("b"));
        assertEquals(OptionalLong.empty(), limiter.admit("a"));
        assertEquals(OptionalLong.empty(), limiter.admit("a"));
        assertEquals(OptionalLong.empty(), limiter.admit("b"));
        now.addAndGet(60 * SECOND);

        assertEquals(OptionalLong.of(2), limiter.admit("a"));
        assertEquals(OptionalLong.of(1), limiter.admit("b"));
    }

    @Test
    void pastItsKeysNewKeysShareOneOverflowAndNoCountIsLost() {
        limiter.admit("a");
        limiter.admit("b");
        limiter.admit("c");
        limiter.admit("a"); // a has one suppressed: it must be kept

        assertEquals(OptionalLong.of(0), limiter.admit("d"));
        assertEquals(OptionalLong.empty(), limiter.admit("e"), "e shares d's overflow window");
        assertEquals(OptionalLong.empty(), limiter.admit("d"));
        now.addAndGet(60 * SECOND);
        assertEquals(OptionalLong.of(1), limiter.admit("a"));
        assertEquals(OptionalLong.of(2), limiter.admit("f"), "the overflow window carries d's and e's count");
    }

    @Test
    void keysWithNothingToCarryAreForgottenToMakeRoom() {
        limiter.admit("a");
        limiter.admit("b");
        limiter.admit("c");
        now.addAndGet(60 * SECOND);

        assertEquals(OptionalLong.of(0), limiter.admit("d"));
        assertEquals(OptionalLong.empty(), limiter.admit("d"), "d has a window of its own");
        assertEquals(OptionalLong.of(0), limiter.admit("e"));
    }

    @Test
    void logAppendsTheCountAndBuildsTheMessageOnlyWhenItLogs() {
        RecordingLogger logger = new RecordingLogger();
        List<String> built = new ArrayList<>();
        Supplier<String> message = () -> {
            built.add("built");
            return "broadcast refused: expired";
        };

        for (int i = 0; i < 4; i++) {
            limiter.log(logger, Level.INFO, "expired", message);
        }
        now.addAndGet(60 * SECOND);
        limiter.log(logger, Level.INFO, "expired", message);

        assertEquals(List.of("INFO broadcast refused: expired",
                "INFO broadcast refused: expired (and 3 more like it since the last such line)"), logger.lines);
        assertEquals(2, built.size());
    }

    @Test
    void suppressedCountsAreWrittenWithThousandsSeparators() {
        assertEquals("", LogLimiter.suppressed(0));
        assertEquals(" (and 4,211 more like it since the last such line)", LogLimiter.suppressed(4211));
    }

    @Test
    void aZeroIntervalLogsEverything() {
        LogLimiter everything = new LogLimiter(Duration.ZERO, 1, now::get);

        assertEquals(OptionalLong.of(0), everything.admit("a"));
        assertEquals(OptionalLong.of(0), everything.admit("a"));
    }

    @Test
    void aNegativeIntervalOrNoKeysIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LogLimiter(Duration.ofSeconds(-1), 1, now::get));
        assertThrows(IllegalArgumentException.class, () -> new LogLimiter(Duration.ofSeconds(1), 0, now::get));
    }

    /** A System.Logger that keeps its lines. */
    static final class RecordingLogger implements System.Logger {
        final List<String> lines = new ArrayList<>();

        @Override
        public String getName() {
            return "recording";
        }

        @Override
        public boolean isLoggable(Level level) {
            return level.getSeverity() >= Level.INFO.getSeverity();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(level + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format);
        }
    }
}
