package io.bifrost.protocol;

/**
 * A broadcast the gateway did not accept: any status above 206 (as the Ruby gem treats it), or no answer at all,
 * on the last of the attempts {@link BifrostClient} made.
 */
public final class BifrostException extends RuntimeException {
    private final int status;
    private final String body;
    private final int attempts;

    /**
     * @param status the HTTP status, or 0 when no answer came
     * @param body   the answer's body, or empty
     * @param cause  the I/O failure, or null
     */
    public BifrostException(int status, String body, Throwable cause) {
        this(status, body, cause, 1);
    }

    /**
     * @param status   the last attempt's HTTP status, or 0 when it got no answer
     * @param body     the last answer's body, or empty
     * @param cause    the last I/O failure or the interruption, or null
     * @param attempts how many requests were sent, 1 or more
     */
    BifrostException(int status, String body, Throwable cause, int attempts) {
        super(message(status, body, cause, attempts), cause);
        this.status = status;
        this.body = body;
        this.attempts = attempts;
    }

    private static String message(int status, String body, Throwable cause, int attempts) {
        String tries = attempts > 1 ? " (after " + attempts + " attempts)" : "";
        return status == 0
                ? "no answer from the Bifrost gateway" + tries + ": " + (cause == null ? "unknown"
                        : cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage())
                : "Bifrost gateway answered " + status + tries + ": " + body;
    }

    /**
     * @return the HTTP status, or 0 when no answer came
     */
    public int status() {
        return status;
    }

    /**
     * @return the answer's body (JSON, e.g. {@code {"error":"Bad signature"}}), or empty
     */
    public String body() {
        return body;
    }

    /**
     * @return how many requests the broadcast sent before giving up, 1 when it was not retried
     */
    public int attempts() {
        return attempts;
    }
}
