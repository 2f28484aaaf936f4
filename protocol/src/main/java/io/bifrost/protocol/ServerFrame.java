package io.bifrost.protocol;

import java.util.Map;

/**
 * A text frame the gateway sends on {@code /subscribe}.
 */
public sealed interface ServerFrame {

    /**
     * {@code {"event":"subscribed","data":"{\"channel\":\"user:1\"}"}}: {@code data} is a JSON string holding JSON,
     * exactly as Bifrost sends it.
     *
     * @param channel the channel joined
     */
    record Subscribed(String channel) implements ServerFrame {
    }

    /**
     * {@code {"event":"pong"}}, the answer to a client's ping event.
     */
    record Pong() implements ServerFrame {
    }

    /**
     * A broadcast {@code message} object, sent exactly as the backend put it in its token.
     *
     * @param body the message object, usually {@code event} and {@code data}
     */
    record Message(Map<String, Object> body) implements ServerFrame {
        /**
         * @param body the message object
         */
        public Message {
            // Keeps the backend's key order: clients see the object as it was sent.
            body = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(body));
        }

        /**
         * @return the message's {@code event}, or null
         */
        public String event() {
            return body.get("event") instanceof String s ? s : null;
        }

        /**
         * @return the message's {@code data} when it is a string, or null
         */
        public String data() {
            return body.get("data") instanceof String s ? s : null;
        }
    }

    /**
     * Our extension: {@code {"event":"error","data":"{\"error\":\"...\"}"}} tells a client its frame was not
     * understood. {@code data} holds JSON like every other event's, so Bifrost's browser snippet parses it safely.
     *
     * @param error what was wrong
     */
    record Error(String error) implements ServerFrame {
    }

    /**
     * Encodes this frame as JSON text.
     *
     * @return the frame's text
     */
    default String encode() {
        return switch (this) {
            case Subscribed s -> event("subscribed", "{\"channel\":" + Json.quote(s.channel()) + "}");
            case Pong p -> "{\"event\":\"pong\"}";
            case Message m -> Json.write(m.body());
            case Error e -> event("error", "{\"error\":" + Json.quote(e.error()) + "}");
        };
    }

    /**
     * Decodes a frame the gateway sent: {@code subscribed} and {@code pong} by name, anything else as a message.
     *
     * @param text the frame's text
     * @return the frame
     * @throws InvalidFrameException when the text is not a JSON object with a string {@code event}
     */
    static ServerFrame decode(String text) throws InvalidFrameException {
        Map<String, Object> object;
        try {
            object = Json.parseObject(text);
        } catch (InvalidJsonException e) {
            throw new InvalidFrameException("frame is " + e.getMessage());
        }
        if (!(object.get("event") instanceof String event)) {
            throw new InvalidFrameException("frame has no string \"event\"");
        }
        return switch (event) {
            case "pong" -> new Pong();
            case "subscribed" -> {
                try {
                    Object channel = Json.parseObject(String.valueOf(object.get("data"))).get("channel");
                    if (channel instanceof String c) {
                        yield new Subscribed(c);
                    }
                    throw new InvalidFrameException("subscribed frame's data has no string \"channel\"");
                } catch (InvalidJsonException e) {
                    throw new InvalidFrameException("subscribed frame's data is " + e.getMessage());
                }
            }
            default -> new Message(object);
        };
    }

    private static String event(String name, String dataJson) {
        return "{\"event\":\"" + name + "\",\"data\":" + Json.quote(dataJson) + "}";
    }
}
