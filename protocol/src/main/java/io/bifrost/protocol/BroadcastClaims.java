package io.bifrost.protocol;

import java.time.Instant;
import java.util.Optional;

/**
 * The claims of a broadcast token: one channel and the message its sockets receive.
 *
 * @param channel   the channel
 * @param message   the message, sent to every socket on the channel exactly as it is here
 * @param expiresAt the {@code exp} claim
 */
public record BroadcastClaims(String channel, ServerFrame.Message message, Optional<Instant> expiresAt) {
}
