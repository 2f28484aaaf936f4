package io.bifrost.protocol;

/**
 * A websocket text frame that is not a protocol frame; the message says what was wrong and what to send.
 */
public final class InvalidFrameException extends Exception {
    /**
     * @param message what is wrong, for the client
     */
    public InvalidFrameException(String message) {
        super(message);
    }
}
