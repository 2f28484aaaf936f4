package io.bifrost.gateway.ws;

/**
 * A client broke RFC 6455 or a limit: the socket is closed with the reason's code, and nothing it sent after is read.
 */
final class ProtocolViolation extends Exception {
    private final CloseReason reason;

    ProtocolViolation(CloseReason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    CloseReason reason() {
        return reason;
    }
}
