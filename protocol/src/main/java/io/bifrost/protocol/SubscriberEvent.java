package io.bifrost.protocol;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a {@link BifrostSubscriber} receives, one event per frame the gateway sent (or per end of the connection).
 */
public sealed interface SubscriberEvent {

    /**
     * {@code {"event":"subscribed","data":"{\"channel\":\"user:1\",\"recovered\":true,\"missed\":3}"}}: the socket
     * joined a channel. A socket that opted in (sent {@code since}) learns whether its position could be resumed.
     *
     * @param channel   the channel joined
     * @param recovered for a socket that opted in: true when the missed messages follow, false when they are lost
     *                  and the app must refetch its state; empty on a core socket
     * @param missed    for a socket that opted in: how many missed messages follow; empty on a core socket
     */
    record Subscribed(String channel, Optional<Boolean> recovered, OptionalLong missed) implements SubscriberEvent {
    }

    /**
     * A broadcast message: the backend's message object, plus its channel and position on a socket that opted in.
     *
     * @param channel the channel it was broadcast to, when the socket opted in
     * @param id      its position in the channel, when the socket opted in; send the last one back in {@code since}
     * @param event   the message's {@code event}
     * @param data    the message's {@code data} as the backend sent it when a string (by convention JSON text),
     *                the JSON text of any other value, or null when the message has none
     * @param json    the frame's whole text, exactly as received
     */
    record Message(Optional<String> channel, Optional<Position> id, String event, String data, String json)
            implements SubscriberEvent {
    }

    /**
     * {@code {"event":"pong"}}, the answer to {@link BifrostSubscriber#ping()}.
     */
    record Pong() implements SubscriberEvent {
    }

    /**
     * An {@code error} event: the gateway did not understand a frame this client sent. Also stands for a frame from
     * the gateway that this client could not read (the text then says so and quotes it).
     *
     * @param text what was wrong
     */
    record Error(String text) implements SubscriberEvent {
    }

    /**
     * The connection ended: the gateway's close code and reason (e.g. {@code 1008 "Not Authorized!"}, {@code 1012}
     * on a drain), or {@code 1006} when it ended without a close frame. Nothing follows it on this connection.
     *
     * @param code   the close code
     * @param reason the close reason, or empty
     */
    record Closed(int code, String reason) implements SubscriberEvent {
    }
}
