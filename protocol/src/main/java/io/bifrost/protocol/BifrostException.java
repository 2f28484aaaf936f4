package io.bifrost.protocol;

/**
 * A broadcast the gateway did not accept: any status above 206 (as the Ruby gem treats it), or no answer at all.
 */
public final class BifrostException extends RuntimeException {
    private final int status;
    private final String body;

    /**
     * @param status the HTTP status, or 0 when no answer came
     * @param body   the answer's body, or empty
     * @param cause  the I/O failure, or null
     */
    public BifrostException(int status, String body, Throwable cause) {
        super(status == 0
                ? "no answer from the Bifrost gateway: " + (cause == null ? "unknown"
                        : cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage())
                : "Bifrost gateway answered " + status + ": " + body, cause);
        this.status = status;
        this.body = body;
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
}
