package io.bifrost.gateway.ws;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.Method;
import io.helidon.http.Status;

/**
 * The websocket opening handshake's rules (RFC 6455 section 4.2.1) and the gateway's own (drain, connection limit,
 * origins): one place decides, so the upgrade and the plain HTTP answer to a refused upgrade never disagree.
 */
final class Handshake {
    static final HeaderName SEC_WEBSOCKET_KEY = HeaderNames.create("Sec-WebSocket-Key");
    static final HeaderName SEC_WEBSOCKET_VERSION = HeaderNames.create("Sec-WebSocket-Version");
    static final HeaderName SEC_WEBSOCKET_ACCEPT = HeaderNames.create("Sec-WebSocket-Accept");
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final Header RETRY_AFTER = HeaderValues.create(HeaderNames.RETRY_AFTER, "1");
    /** Longest piece of a refused Origin quoted back (JSON-escaped) in the answer. */
    private static final int MAX_ORIGIN_QUOTED = 200;

    private Handshake() {
    }

    /**
     * Why an upgrade is refused, as the HTTP answer that says so.
     *
     * @param status  the status
     * @param error   what to tell the client
     * @param headers headers the answer carries
     * @param limit   true when the refusal is the connection limit's
     */
    record Refusal(Status status, String error, List<Header> headers, boolean limit) {
    }

    /**
     * Checks an upgrade request.
     *
     * @param method    the request's method
     * @param headers   its headers
     * @param draining  true while the instance drains
     * @param overLimit true when its connection came over the connection limit
     * @param origins   the origin policy
     * @return why it is refused, or empty to upgrade
     */
    static Optional<Refusal> check(Method method, Headers headers, boolean draining, boolean overLimit,
                                   OriginPolicy origins) {
        if (!Method.GET.equals(method)) {
            return refuse(Status.METHOD_NOT_ALLOWED_405, "/subscribe takes a websocket upgrade, a GET",
                    HeaderValues.create(HeaderNames.ALLOW, "GET"));
        }
        if (draining) {
            return refuse(Status.SERVICE_UNAVAILABLE_503, "this instance is draining before a restart; reconnect to"
                    + " another", RETRY_AFTER);
        }
        if (overLimit) {
            return Optional.of(new Refusal(Status.SERVICE_UNAVAILABLE_503, "this instance is at its connection limit;"
                    + " retry after 1 s", List.of(RETRY_AFTER), true));
        }
        if (!hasToken(headers, HeaderNames.UPGRADE, "websocket")) {
            return refuse(Status.UPGRADE_REQUIRED_426, "/subscribe is a websocket endpoint: connect with a websocket"
                    + " client", HeaderValues.create(HeaderNames.UPGRADE, "websocket"));
        }
        if (!hasToken(headers, HeaderNames.CONNECTION, "upgrade")) {
            return refuse(Status.BAD_REQUEST_400, "a websocket upgrade needs Connection: Upgrade");
        }
        String version = headers.first(SEC_WEBSOCKET_VERSION).orElse("").trim();
        if (!version.equals("13")) {
            return refuse(Status.UPGRADE_REQUIRED_426, "this server speaks websocket version 13 (RFC 6455)",
                    HeaderValues.create(SEC_WEBSOCKET_VERSION, "13"));
        }
        if (!validKey(headers.first(SEC_WEBSOCKET_KEY).orElse(null))) {
            return refuse(Status.BAD_REQUEST_400, "Sec-WebSocket-Key must be 16 random bytes in base64");
        }
        String origin = headers.first(HeaderNames.ORIGIN).orElse(null);
        if (!origins.allows(origin)) {
            return refuse(Status.FORBIDDEN_403, "origin " + (origin.length() > MAX_ORIGIN_QUOTED
                    ? origin.substring(0, MAX_ORIGIN_QUOTED) + "…" : origin) + " is not allowed (BIFROST_ALLOWED_ORIGINS)");
        }
        return Optional.empty();
    }

    /**
     * @param key the client's {@code Sec-WebSocket-Key}
     * @return the {@code Sec-WebSocket-Accept} that proves the server read it
     */
    static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key.trim() + GUID)
                    .getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /**
     * @param headers headers
     * @param name    a header holding a comma-separated token list
     * @param token   the token
     * @return true if one of the header's tokens is this one, ignoring case
     */
    static boolean hasToken(Headers headers, HeaderName name, String token) {
        if (!headers.contains(name)) {
            return false;
        }
        for (String value : headers.all(name, List::of)) {
            for (String part : value.split(",")) {
                if (part.trim().toLowerCase(Locale.ROOT).equals(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean validKey(String key) {
        if (key == null) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key.trim()).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Optional<Refusal> refuse(Status status, String error, Header... headers) {
        return Optional.of(new Refusal(status, error, List.of(headers), false));
    }
}
