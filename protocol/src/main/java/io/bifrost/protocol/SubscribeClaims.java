package io.bifrost.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The claims of a subscribe token: the channels a browser may join.
 *
 * @param channels  channel names, in token order
 * @param expiresAt the {@code exp} claim, checked when the token is used and never later
 */
public record SubscribeClaims(List<String> channels, Optional<Instant> expiresAt) {
    /**
     * @param channels  channel names
     * @param expiresAt expiry
     */
    public SubscribeClaims {
        channels = List.copyOf(channels);
    }
}
