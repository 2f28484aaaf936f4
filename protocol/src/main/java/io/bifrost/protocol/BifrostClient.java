package io.bifrost.protocol;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The client for Java backends, behaving as Bifrost's Ruby gem does: mint subscribe tokens for your users'
 * browsers, and broadcast to a channel over HTTP.
 *
 * <pre>{@code
 * BifrostClient bifrost = new BifrostClient(URI.create("https://realtime.example.com"), System.getenv("JWT_SECRET"));
 * String token = bifrost.tokenFor(List.of("user:1", "global"), Duration.ofMinutes(1));
 * int deliveries = bifrost.broadcast("user:1", "new_item", "{\"id\":7}");
 * }</pre>
 *
 * Thread-safe; create one and share it.
 */
public final class BifrostClient {
    /** Lifetime of the broadcast tokens this client mints: short, since each is used at once. */
    static final Duration BROADCAST_TOKEN_TTL = Duration.ofMinutes(1);

    private final URI broadcastUri;
    private final Tokens tokens;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * @param baseUrl the gateway, e.g. {@code http://localhost:3000}
     * @param secret  the gateway's {@code JWT_SECRET}
     */
    public BifrostClient(URI baseUrl, String secret) {
        this(baseUrl, secret, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(),
                Duration.ofSeconds(30));
    }

    /**
     * @param baseUrl the gateway, e.g. {@code http://localhost:3000}
     * @param secret  the gateway's {@code JWT_SECRET}
     * @param http    the HTTP client to use
     * @param timeout how long one broadcast may take
     */
    public BifrostClient(URI baseUrl, String secret, HttpClient http, Duration timeout) {
        String base = baseUrl.toString();
        this.broadcastUri = URI.create(base.endsWith("/") ? base + "broadcast" : base + "/broadcast");
        this.tokens = new Tokens(secret);
        this.http = http;
        this.timeout = timeout;
    }

    /**
     * A subscribe token for a browser: send it in {@code {"event":"authenticate","data":token}}.
     *
     * @param channels the channels the user may join
     * @param ttl      how long the token can be used to authenticate (an open socket is never closed for it)
     * @return compact JWS, HS512
     */
    public String tokenFor(List<String> channels, Duration ttl) {
        return tokens.subscribeToken(channels, ttl);
    }

    /**
     * Broadcasts {@code {"event":event,"data":data}} to every socket on a channel.
     *
     * @param channel the channel
     * @param event   the event name clients switch on
     * @param data    the payload, by convention a JSON document in a string
     * @return how many sockets it was delivered to
     * @throws BifrostException on any status above 206, or no answer
     */
    public int broadcast(String channel, String event, String data) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", event);
        message.put("data", data);
        return broadcast(channel, message);
    }

    /**
     * Broadcasts a message object to every socket on a channel.
     *
     * @param channel the channel
     * @param message the object every socket receives, with a string {@code event}
     * @return how many sockets it was delivered to
     * @throws BifrostException on any status above 206, or no answer
     */
    public int broadcast(String channel, Map<String, ?> message) {
        String body = "{\"token\":" + Json.quote(tokens.broadcastToken(channel, message, BROADCAST_TOKEN_TTL)) + "}";
        HttpRequest request = HttpRequest.newBuilder(broadcastUri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BifrostException(0, "", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BifrostException(0, "", e);
        }
        if (response.statusCode() > 206) {
            throw new BifrostException(response.statusCode(), response.body(), null);
        }
        try {
            Object deliveries = Json.parseObject(response.body()).get("deliveries");
            if (deliveries instanceof Number n) {
                return n.intValue();
            }
        } catch (InvalidJsonException e) {
            throw new BifrostException(response.statusCode(), response.body(), null);
        }
        throw new BifrostException(response.statusCode(), response.body(), null);
    }
}
