package io.bifrost.gateway.bus;

/**
 * The bus cannot take a broadcast now; the message says why, for the caller (who gets a 503).
 */
public class BusUnavailableException extends Exception {
    /**
     * @param message why, and what the caller can do
     * @param cause   the underlying failure, or null
     */
    public BusUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
