package io.bifrost.protocol;

import java.util.Map;

/**
 * A text frame a browser sends on {@code /subscribe}.
 */
public sealed interface ClientFrame {

    /**
     * {@code {"event":"authenticate","data":"<JWT>"}}. A missing or non-string {@code data} decodes to an empty
     * token, which then fails verification as Bifrost's did.
     *
     * @param token the subscribe token
     */
    record Authenticate(String token) implements ClientFrame {
    }

    /**
     * {@code {"event":"ping"}}, answered with a pong.
     */
    record Ping() implements ClientFrame {
    }

    /**
     * Any other event: not part of the protocol.
     *
     * @param event its name
     */
    record Unknown(String event) implements ClientFrame {
    }

    /**
     * Encodes this frame as a client would send it.
     *
     * @return JSON text
     */
    default String encode() {
        return switch (this) {
            case Authenticate a -> "{\"event\":\"authenticate\",\"data\":" + Json.quote(a.token()) + "}";
            case Ping p -> "{\"event\":\"ping\"}";
            case Unknown u -> Json.write(Map.of("event", u.event()));
        };
    }

    /**
     * Decodes a text frame.
     *
     * @param text the frame's text
     * @return the frame
     * @throws InvalidFrameException when the text is not a JSON object with a string {@code event}
     */
    static ClientFrame decode(String text) throws InvalidFrameException {
        Map<String, Object> object;
        try {
            object = Json.parseObject(text);
        } catch (InvalidJsonException e) {
            throw new InvalidFrameException("frame is " + e.getMessage());
        }
        Object event = object.get("event");
        if (!(event instanceof String name)) {
            throw new InvalidFrameException(event == null
                    ? "frame has no \"event\"; send {\"event\":\"authenticate\",\"data\":\"<token>\"} or {\"event\":\"ping\"}"
                    : "frame's \"event\" is " + Json.describe(event) + ", expected a string");
        }
        return switch (name) {
            case "authenticate" -> new Authenticate(object.get("data") instanceof String token ? token : "");
            case "ping" -> new Ping();
            default -> new Unknown(name);
        };
    }
}
