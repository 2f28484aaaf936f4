package io.bifrost.gateway.config;

import java.time.Duration;

/**
 * What one TCP connection may hold of the server before it is refused or cut: the edge's limits.
 *
 * @param maxConnections connections served at once; 0 derives it from the process's open-file limit at start
 * @param headerTimeout  time a connection has to send a complete request head (from its accept, or from the first
 *                       byte of a later request), and a request body after its head
 * @param idleTimeout    time a kept-alive HTTP connection may wait for its next request
 */
public record ConnectionLimits(int maxConnections, Duration headerTimeout, Duration idleTimeout) {

    /** The defaults, documented in the README's configuration table. */
    public static final ConnectionLimits DEFAULTS = new ConnectionLimits(0, Duration.ofSeconds(5),
            Duration.ofSeconds(30));

    /**
     * Checks every limit is usable.
     */
    public ConnectionLimits {
        if (maxConnections < 0) {
            throw new IllegalArgumentException("maxConnections is " + maxConnections
                    + "; use 0 to derive it from the open-file limit, or a positive number");
        }
        if (headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("headerTimeout is " + headerTimeout + "; it must be positive");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout is " + idleTimeout + "; it must be positive");
        }
    }

    /**
     * @param connections connections served at once (0: from the open-file limit)
     * @return a copy with that limit
     */
    public ConnectionLimits withMaxConnections(int connections) {
        return new ConnectionLimits(connections, headerTimeout, idleTimeout);
    }

    /**
     * @param timeout request head (and body) timeout
     * @return a copy with that timeout
     */
    public ConnectionLimits withHeaderTimeout(Duration timeout) {
        return new ConnectionLimits(maxConnections, timeout, idleTimeout);
    }

    /**
     * @param timeout keep-alive idle timeout
     * @return a copy with that timeout
     */
    public ConnectionLimits withIdleTimeout(Duration timeout) {
        return new ConnectionLimits(maxConnections, headerTimeout, timeout);
    }
}
