package io.bifrost.protocol;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What verification yields on either path, so both feed the same claim checks.
 *
 * @param claims    the payload's claims as the JSON codec read them
 * @param expiresAt the {@code exp} claim
 */
record Verified(Map<String, ?> claims, Optional<Instant> expiresAt) {
}
