package io.bifrost.gateway.bus;

/**
 * A broadcast held back because an instance holding sockets on its channel is behind its deliveries
 * ({@code BIFROST_MAX_BACKLOG}): nothing was sent. Worth retrying shortly; the caller gets 503 with
 * {@code Retry-After} if it still holds when its wait is over.
 */
public final class BehindException extends BusUnavailableException {
    /**
     * @param message which instance is behind and by how much
     */
    public BehindException(String message) {
        super(message, null);
    }
}
