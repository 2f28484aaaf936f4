package io.bifrost.protocol;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the gateway's text frames as {@link SubscriberEvent}s: {@link ServerFrame#decode} for the core protocol, plus
 * what the recovery extension adds to {@code subscribed} and message frames.
 */
final class EventDecoder {
    private EventDecoder() {
    }

    /**
     * @param text    the frame's text
     * @param optedIn whether the socket sent {@code since}: only then do a message's {@code channel} and {@code id}
     *                come from the gateway, and not from the backend's own message object
     * @return the event; an {@link SubscriberEvent.Error} quoting the text when it is not a protocol frame
     */
    static SubscriberEvent decode(String text, boolean optedIn) {
        ServerFrame frame;
        try {
            frame = ServerFrame.decode(text);
        } catch (InvalidFrameException e) {
            return unreadable(e.getMessage(), text);
        }
        return switch (frame) {
            case ServerFrame.Pong p -> new SubscriberEvent.Pong();
            case ServerFrame.Subscribed s -> subscribed(s.channel(), text);
            case ServerFrame.Error e -> new SubscriberEvent.Error(e.error());
            case ServerFrame.Message m when "error".equals(m.event()) -> error(m);
            case ServerFrame.Message m -> message(m, text, optedIn);
        };
    }

    /**
     * @param reason what is wrong with the frame
     * @param text   the frame
     * @return an error event saying that the gateway, not this client, sent something unreadable
     */
    static SubscriberEvent.Error unreadable(String reason, String text) {
        return new SubscriberEvent.Error("the gateway sent a frame that is not a protocol frame (" + reason + "): "
                + text);
    }

    private static SubscriberEvent subscribed(String channel, String text) {
        // ServerFrame.decode has read both levels already, so neither parse can fail here.
        Map<String, Object> data;
        try {
            data = Json.parseObject((String) Json.parseObject(text).get("data"));
        } catch (InvalidJsonException e) {
            throw new IllegalStateException("ServerFrame.decode accepted a subscribed frame it could not read", e);
        }
        Optional<Boolean> recovered = data.get("recovered") instanceof Boolean b ? Optional.of(b) : Optional.empty();
        OptionalLong missed = data.get("missed") instanceof Long n ? OptionalLong.of(n) : OptionalLong.empty();
        return new SubscriberEvent.Subscribed(channel, recovered, missed);
    }

    private static SubscriberEvent error(ServerFrame.Message message) {
        String data = message.data();
        if (data != null) {
            try {
                if (Json.parseObject(data).get("error") instanceof String error) {
                    return new SubscriberEvent.Error(error);
                }
            } catch (InvalidJsonException e) {
                // Not our gateway's shape: the raw data is still the best description.
            }
            return new SubscriberEvent.Error(data);
        }
        return new SubscriberEvent.Error(Json.write(message.body()));
    }

    private static SubscriberEvent message(ServerFrame.Message message, String text, boolean optedIn) {
        Map<String, Object> body = message.body();
        Optional<String> channel = Optional.empty();
        Optional<Position> id = Optional.empty();
        if (optedIn) {
            channel = body.get("channel") instanceof String c ? Optional.of(c) : Optional.empty();
            id = body.get("id") instanceof String i ? Position.parse(i) : Optional.empty();
        }
        Object data = body.get("data");
        String dataText = data == null ? null : data instanceof String s ? s : Json.write(data);
        return new SubscriberEvent.Message(channel, id, message.event(), dataText, text);
    }
}
