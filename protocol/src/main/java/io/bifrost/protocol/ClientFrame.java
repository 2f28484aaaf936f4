package io.bifrost.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A text frame a browser sends on {@code /subscribe}.
 */
public sealed interface ClientFrame {

    /**
     * {@code {"event":"authenticate","data":"<JWT>"}}. A missing or non-string {@code data} decodes to an empty
     * token, which then fails verification as Bifrost's did.
     *
     * <p>Our extension: {@code "since":{"<channel>":"<position>",...}} beside it opts the socket in to recovery (an
     * empty object opts in with nothing to resume). Values are kept as they came; one that is not a string is simply
     * not resumable.
     *
     * @param token the subscribe token
     * @param since the positions to resume from, when the client opted in
     */
    record Authenticate(String token, Optional<Map<String, Object>> since) implements ClientFrame {
        /** Most channels one {@code since} may name. */
        public static final int MAX_SINCE = 1000;

        /**
         * A core authenticate, without {@code since}.
         *
         * @param token the subscribe token
         */
        public Authenticate(String token) {
            this(token, Optional.empty());
        }

        /**
         * Copies the positions.
         */
        public Authenticate {
            since = since.map(m -> Collections.unmodifiableMap(new LinkedHashMap<>(m)));
        }
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
            case Authenticate a -> "{\"event\":\"authenticate\",\"data\":" + Json.quote(a.token())
                    + a.since().map(since -> ",\"since\":" + Json.write(since)).orElse("") + "}";
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
            case "authenticate" -> new Authenticate(object.get("data") instanceof String token ? token : "",
                    since(object));
            case "ping" -> new Ping();
            default -> new Unknown(name);
        };
    }

    private static Optional<Map<String, Object>> since(Map<String, Object> object) throws InvalidFrameException {
        if (!object.containsKey("since")) {
            return Optional.empty();
        }
        if (!(object.get("since") instanceof Map<?, ?> positions)) {
            throw new InvalidFrameException("\"since\" must be an object of channel to position, like"
                    + " {\"user:1\":\"k3x9:17\"}");
        }
        if (positions.size() > Authenticate.MAX_SINCE) {
            throw new InvalidFrameException("\"since\" names " + positions.size() + " channels; at most "
                    + Authenticate.MAX_SINCE);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) positions;
        return Optional.of(typed);
    }
}
