package io.bifrost.gateway.bus;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.bifrost.gateway.hub.WireFrame;

/**
 * One accepted broadcast request: the same message to one channel or to several (a batch, all or nothing).
 *
 * @param channels the channels, at least one, distinct
 * @param frame    the message's frame as core clients get it, encoded once
 * @param jti      the token's {@code jti}: the cluster takes it once while it is remembered
 * @param jtiTtl   how long the {@code jti} is remembered
 */
public record Publication(List<String> channels, WireFrame frame, Optional<String> jti, Duration jtiTtl) {
    /**
     * Checks the publication is whole.
     */
    public Publication {
        channels = List.copyOf(channels);
        Objects.requireNonNull(frame, "frame");
        Objects.requireNonNull(jti, "jti");
        Objects.requireNonNull(jtiTtl, "jtiTtl");
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("a publication names at least one channel");
        }
    }

    /**
     * @param channel the channel
     * @param frame   the frame
     * @return a broadcast to one channel without {@code jti}
     */
    public static Publication of(String channel, WireFrame frame) {
        return new Publication(List.of(channel), frame, Optional.empty(), Duration.ZERO);
    }
}
