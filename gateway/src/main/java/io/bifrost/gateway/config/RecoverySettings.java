package io.bifrost.gateway.config;

import java.time.Duration;

/**
 * How much each channel remembers for recovery, and the publishing rules that make a broadcast count once.
 *
 * @param historySize      broadcasts kept per channel; 0 turns history (and resuming) off
 * @param historyAge       how long a broadcast stays resumable; a channel idle this long forgets its history
 * @param requireJti       true: broadcast tokens without {@code jti} are refused
 * @param jtiWindow        how long a {@code jti} is remembered at most (its token's {@code exp} may cut it shorter)
 * @param maxBatchChannels most channels one broadcast token may name
 */
public record RecoverySettings(int historySize, Duration historyAge, boolean requireJti, Duration jtiWindow,
                               int maxBatchChannels) {

    /** The defaults, documented in the README's configuration table. */
    public static final RecoverySettings DEFAULTS = new RecoverySettings(100, Duration.ofMinutes(5), false,
            Duration.ofMinutes(10), 100);

    /**
     * Checks every setting is usable.
     */
    public RecoverySettings {
        if (historySize < 0) {
            throw new IllegalArgumentException("historySize is " + historySize + "; use 0 (off) or more");
        }
        if (historyAge.isNegative() || historyAge.isZero()) {
            throw new IllegalArgumentException("historyAge is " + historyAge + "; it must be positive");
        }
        if (jtiWindow.isNegative() || jtiWindow.isZero()) {
            throw new IllegalArgumentException("jtiWindow is " + jtiWindow + "; it must be positive");
        }
        if (maxBatchChannels < 1) {
            throw new IllegalArgumentException("maxBatchChannels is " + maxBatchChannels + "; it must be at least 1");
        }
    }

    /**
     * @param size broadcasts kept per channel (0: off)
     * @return a copy with that size
     */
    public RecoverySettings withHistorySize(int size) {
        return new RecoverySettings(size, historyAge, requireJti, jtiWindow, maxBatchChannels);
    }

    /**
     * @param age how long a broadcast stays resumable
     * @return a copy with that age
     */
    public RecoverySettings withHistoryAge(Duration age) {
        return new RecoverySettings(historySize, age, requireJti, jtiWindow, maxBatchChannels);
    }

    /**
     * @param required whether broadcast tokens must carry {@code jti}
     * @return a copy with that rule
     */
    public RecoverySettings withRequireJti(boolean required) {
        return new RecoverySettings(historySize, historyAge, required, jtiWindow, maxBatchChannels);
    }

    /**
     * @param window how long a {@code jti} is remembered at most
     * @return a copy with that window
     */
    public RecoverySettings withJtiWindow(Duration window) {
        return new RecoverySettings(historySize, historyAge, requireJti, window, maxBatchChannels);
    }

    /**
     * @param channels most channels one broadcast token may name
     * @return a copy with that limit
     */
    public RecoverySettings withMaxBatchChannels(int channels) {
        return new RecoverySettings(historySize, historyAge, requireJti, jtiWindow, channels);
    }
}
