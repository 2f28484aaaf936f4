package io.bifrost.it.edge;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What every attack in this package shares: how a gateway under attack is configured, how its answers are checked
 * for leaked internals, and how its metrics and its delivery order are read.
 */
final class Edge {
    /** The longest any single wait for an answer may take. */
    static final Duration WAIT = Duration.ofSeconds(10);
    /** How long an answer the gateway owes at once (a 400, a close frame) may take before silence is the finding. */
    static final Duration ANSWER = Duration.ofSeconds(5);
    /** How long a test listens for something that must not come (a delivery, a second answer). */
    static final Duration QUIET = Duration.ofSeconds(2);

    // Exception class names, JDK or Helidon package names, or a stack frame: internals a caller must never see.
    private static final Pattern INTERNAL = Pattern.compile(
            "Exception|Error:|java\\.|javax\\.|io\\.helidon|jdk\\.|\\bat [\\w$.]+\\([\\w$.]*(:\\d+)?\\)");

    private Edge() {
    }

    /**
     * @param pairs more variables, name then value
     * @return the environment of a production gateway with the test secret, plus the pairs
     */
    static Map<String, String> production(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("BIFROST_ENV", "production");
        env.put("JWT_SECRET", TestGateway.SECRET);
        // Sockets a test leaves open at its end are closed at once, not over the default 10 s.
        env.put("BIFROST_DRAIN_SECONDS", "1");
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    /**
     * Fails if the text shows internals: exception names, Java or Helidon package names, stack frames.
     *
     * @param what what the text is, for the failure message
     * @param text a body or close reason a client received
     */
    static void assertNoInternalText(String what, String text) {
        Matcher m = INTERNAL.matcher(text);
        if (m.find()) {
            throw new AssertionError(what + " shows internals (\"" + m.group() + "\"): " + text);
        }
    }

    /**
     * @param channel the channel
     * @param event   the event
     * @param data    the data
     * @return the {@code {"token":...}} body of a valid broadcast
     */
    static String broadcastBody(String channel, String event, String data) {
        // Ordered, so the frame a socket receives has known bytes: event, then data.
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", event);
        message.put("data", data);
        return "{\"token\":\"" + TestGateway.tokens().broadcastToken(channel, message, Duration.ofMinutes(5)) + "\"}";
    }

    /**
     * @param path    the request target, exactly as sent
     * @param body    the JSON body
     * @param headers extra header lines, each ending in CRLF
     * @return a complete {@code POST} request with a correct Content-Length
     */
    static String post(String path, String body, String headers) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + headers
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n"
                + body;
    }

    /**
     * Broadcasts on a connection of its own, closed after the answer (a pooled keep-alive connection could meet the
     * gateway's idle timeout between two tests), and requires 200.
     *
     * @param base    the gateway (or a proxy in front of it)
     * @param channel the channel
     * @param event   the event
     * @param data    the data
     * @throws IOException if the request cannot be sent
     */
    static void broadcast(URI base, String channel, String event, String data) throws IOException {
        RawHttp.Response answer = RawHttp.answer(base, post("/broadcast", broadcastBody(channel, event, data),
                "Connection: close\r\n"), WAIT);
        assertEquals(200, answer.status(), answer.toString());
    }

    /**
     * Reads one metric sample.
     *
     * @param base   the gateway
     * @param sample the sample's name with its labels, e.g. {@code bifrost_connections_refused_total{reason="limit"}}
     * @return its value; fails if the gateway does not expose it
     * @throws IOException if /metrics cannot be fetched
     */
    static double metric(URI base, String sample) throws IOException {
        String metrics = metrics(base);
        for (String line : metrics.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        throw new AssertionError("/metrics has no sample " + sample + ":\n" + metrics);
    }

    /**
     * @param base the gateway
     * @return the whole /metrics text, fetched on a connection of its own that is closed after the answer
     * @throws IOException if it cannot be fetched
     */
    static String metrics(URI base) throws IOException {
        RawHttp.Response answer = RawHttp.exchange(base,
                "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", WAIT).only();
        assertEquals(200, answer.status(), answer.body());
        return answer.body();
    }

    /**
     * Proves that nothing reached a subscriber before a marker: broadcasts the marker on its channel and requires it
     * to be the very next frame. A delivery that should not have happened (smuggled, through an alias) would come
     * first, since a socket's frames keep their order.
     *
     * @param base       the gateway
     * @param subscriber a socket subscribed to the channel
     * @param channel    the channel
     * @throws IOException if the marker does not arrive
     */
    static void assertNothingDeliveredBefore(URI base, WsClient subscriber, String channel)
            throws IOException {
        broadcast(base, channel, "marker", "after the attack");
        assertEquals("{\"event\":\"marker\",\"data\":\"after the attack\"}", subscriber.nextText(WAIT),
                "the subscriber got something before the marker");
    }

    /**
     * The marker check of {@link #assertNothingDeliveredBefore}, then a quiet wait: for attacks whose hidden request,
     * if it ran at all, could run after the visible answer (behind a proxy, or parsed after the close).
     *
     * @param base       the gateway
     * @param subscriber a socket subscribed to the channel
     * @param channel    the channel
     * @throws IOException if the marker does not arrive
     */
    static void assertNothingDelivered(URI base, WsClient subscriber, String channel)
            throws IOException {
        assertNothingDeliveredBefore(base, subscriber, channel);
        try {
            WsClient.Frame late = subscriber.next(QUIET);
            throw new AssertionError("the subscriber got a frame after the marker: " + late);
        } catch (SocketTimeoutException quiet) {
            // nothing came: nothing was delivered
        }
    }

    /**
     * @param log  a gateway's log
     * @param text what to look for
     * @return the lines containing it
     */
    static List<String> linesContaining(String log, String text) {
        return log.lines().filter(l -> l.contains(text)).toList();
    }
}
