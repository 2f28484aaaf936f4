package io.bifrost.gateway.ws;

/**
 * Every way the gateway closes a socket, with the code and reason a client sees. The codes are documented in
 * PROTOCOL.md and the README; clients may rely on them.
 */
public enum CloseReason {
    /** The client closed, or the gateway stopped. */
    NORMAL(1000, "Normal closure"),
    /** The client broke RFC 6455 (unmasked or malformed frames, reserved opcodes, bad close codes, ...). */
    PROTOCOL_ERROR(1002, "Protocol error"),
    /** A binary frame: the protocol is text only. */
    BINARY_FRAME(1003, "Binary frames are not supported"),
    /** Text (or a close reason) that is not UTF-8. */
    INVALID_UTF8(1007, "Invalid UTF-8"),
    /** Bad, unsigned or expired token: Bifrost's exact reason text. */
    NOT_AUTHORIZED(1008, "Not Authorized!"),
    /** The socket never authenticated. */
    AUTH_TIMEOUT(1008, "Authentication timeout"),
    /** A text frame over the frame limit. */
    FRAME_TOO_LARGE(1009, "Frame too large"),
    /** Restart or drain: reconnect, another instance will take the socket. */
    RESTART(1012, "Server restarting"),
    /** The bus could not confirm a subscription: reconnect and authenticate again. */
    UNAVAILABLE(1013, "Try again later"),
    /** An unexpected error on this socket only. */
    INTERNAL_ERROR(1011, "Internal error"),
    /** The client did not answer a ping in time. */
    PING_TIMEOUT(4001, "Ping timeout"),
    /** The client did not read fast enough; its queue overflowed. */
    SLOW_CONSUMER(4008, "Slow consumer");

    private final int code;
    private final String reason;

    CloseReason(int code, String reason) {
        this.code = code;
        this.reason = reason;
    }

    /**
     * @return the websocket close code
     */
    public int code() {
        return code;
    }

    /**
     * @return the close reason text
     */
    public String reason() {
        return reason;
    }
}
