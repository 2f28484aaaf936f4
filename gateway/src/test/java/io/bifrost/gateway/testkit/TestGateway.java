package io.bifrost.gateway.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.config.Limits;
import io.bifrost.protocol.Tokens;

/**
 * Starts gateways for tests and speaks to them the way browsers and backends do.
 */
public final class TestGateway {
    /** The secret every test gateway and token uses: 64+ characters, as HS512 needs. */
    public static final String SECRET = "test-secret-0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    /** How long any single wait in a test may take. */
    public static final Duration WAIT = Duration.ofSeconds(10);

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private TestGateway() {
    }

    /**
     * @return the tokens every test uses
     */
    public static Tokens tokens() {
        return new Tokens(SECRET);
    }

    /**
     * @param limits the limits
     * @return a running embedded gateway on a free loopback port
     */
    public static Gateway start(Limits limits) {
        return Gateway.start(GatewayConfig.embedded(SECRET).withLimits(limits));
    }

    /**
     * @return a running embedded gateway with default limits
     */
    public static Gateway start() {
        return start(Limits.DEFAULTS);
    }

    /**
     * Connects a socket, authenticates for the channels and reads the {@code subscribed} frames.
     *
     * @param gateway  the gateway
     * @param channels the channels
     * @return the subscribed client
     * @throws IOException if anything but the expected frames arrives
     */
    public static WsClient subscriber(Gateway gateway, String... channels) throws IOException {
        return subscriber(gateway.uri(), channels);
    }

    /**
     * Connects a socket to any gateway (in this JVM or another process), authenticates for the channels and reads
     * the {@code subscribed} frames.
     *
     * @param base     the gateway's base URI
     * @param channels the channels
     * @return the subscribed client
     * @throws IOException if anything but the expected frames arrives
     */
    public static WsClient subscriber(URI base, String... channels) throws IOException {
        WsClient client = WsClient.connect(base);
        client.authenticate(tokens().subscribeToken(List.of(channels), Duration.ofMinutes(1)));
        for (String channel : channels) {
            String frame = client.nextText(WAIT);
            String expected = subscribed(channel);
            if (!expected.equals(frame)) {
                client.close();
                throw new IOException("expected " + expected + ", got " + frame);
            }
        }
        return client;
    }

    /**
     * @param channel a channel
     * @return the exact {@code subscribed} frame for it
     */
    public static String subscribed(String channel) {
        return "{\"event\":\"subscribed\",\"data\":\"{\\\"channel\\\":\\\"" + channel + "\\\"}\"}";
    }

    /**
     * Broadcasts {@code {"event":event,"data":data}} the way Bifrost's README does.
     *
     * @param gateway the gateway
     * @param channel the channel
     * @param event   the event
     * @param data    the data string
     * @return the answer
     */
    public static Reply broadcast(Gateway gateway, String channel, String event, String data) {
        return broadcast(gateway.uri(), channel, event, data);
    }

    /**
     * Broadcasts {@code {"event":event,"data":data}} to any gateway (in this JVM or another process).
     *
     * @param base    the gateway's base URI
     * @param channel the channel
     * @param event   the event
     * @param data    the data string
     * @return the answer
     */
    public static Reply broadcast(URI base, String channel, String event, String data) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", event);
        message.put("data", data);
        String token = tokens().broadcastToken(channel, message, Duration.ofMinutes(1));
        return post(base, "application/json", "{\"token\":\"" + token + "\"}");
    }

    /**
     * POSTs a body to {@code /broadcast}.
     *
     * @param base        the gateway's base URI
     * @param contentType the content type, or null for none
     * @param body        the body
     * @return the answer
     */
    public static Reply post(URI base, String contentType, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/broadcast"))
                .timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request.build());
    }

    /**
     * GETs a path.
     *
     * @param base the gateway's base URI
     * @param path the path
     * @return the answer
     */
    public static Reply get(URI base, String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT).GET().build());
    }

    private static Reply send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    response.headers().firstValue("Retry-After").orElse(""));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * An HTTP answer.
     *
     * @param status      status code
     * @param body        body
     * @param contentType content type
     * @param retryAfter  the Retry-After header, or empty
     */
    public record Reply(int status, String body, String contentType, String retryAfter) {
    }
}
