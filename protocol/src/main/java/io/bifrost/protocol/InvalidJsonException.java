package io.bifrost.protocol;

/**
 * Text that should have been a JSON object was not; the message says what was wrong.
 */
public final class InvalidJsonException extends Exception {
    /**
     * @param message what is wrong, for the caller
     */
    public InvalidJsonException(String message) {
        super(message);
    }
}
