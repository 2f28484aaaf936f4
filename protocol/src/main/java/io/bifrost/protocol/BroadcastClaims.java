package io.bifrost.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The claims of a broadcast token: the channel (or channels, a batch) and the message its sockets receive.
 *
 * @param channels  the channels, at least one, distinct: {@code channel}, or each of {@code channels}
 * @param message   the message, sent to every socket on the channels exactly as it is here
 * @param expiresAt the {@code exp} claim
 * @param jti       the {@code jti} claim: the cluster takes a given one once
 */
public record BroadcastClaims(List<String> channels, ServerFrame.Message message, Optional<Instant> expiresAt,
                              Optional<String> jti) {
    /**
     * Copies the channels.
     */
    public BroadcastClaims {
        channels = List.copyOf(channels);
    }

    /**
     * @return true for a batch: the token named {@code channels} rather than {@code channel}
     */
    public boolean batch() {
        return channels.size() > 1;
    }
}
