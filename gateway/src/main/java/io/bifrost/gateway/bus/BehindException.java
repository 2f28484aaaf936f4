package io.bifrost.gateway.bus;

/**
 * A broadcast held back because an instance holding sockets on its channel is behind its deliveries
 * ({@code BIFROST_MAX_BACKLOG}): nothing was sent. Worth retrying once that instance caught up
 * ({@link Bus#awaitCaughtUp}); the caller gets 503 with {@code Retry-After} if it has not when its wait is over.
 */
public final class BehindException extends BusUnavailableException {
    private final String instance;

    /**
     * @param message  which instance is behind and by how much
     * @param instance the instance that is behind; null for this one
     */
    public BehindException(String message, String instance) {
        super(message, null);
        this.instance = instance;
    }

    /**
     * @return the instance that is behind, or null when it is this one
     */
    public String instance() {
        return instance;
    }
}
