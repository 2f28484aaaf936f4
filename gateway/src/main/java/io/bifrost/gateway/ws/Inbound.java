package io.bifrost.gateway.ws;

/**
 * What a client's frames amount to, once RFC 6455's rules held: whole messages and control frames.
 */
sealed interface Inbound {
    /**
     * A text message, reassembled from its fragments and checked to be UTF-8.
     *
     * @param text the message
     */
    record Text(String text) implements Inbound {
    }

    /** A binary message began; the gateway speaks text only. */
    record Binary() implements Inbound {
    }

    /**
     * A ping, answered with a pong carrying its payload.
     *
     * @param payload at most 125 bytes
     */
    record Ping(byte[] payload) implements Inbound {
    }

    /** A pong: the client is alive. */
    record Pong() implements Inbound {
    }

    /**
     * The client's close frame.
     *
     * @param code its status code, or {@value FrameReader#NO_STATUS} when it carried none
     */
    record Close(int code) implements Inbound {
    }
}
