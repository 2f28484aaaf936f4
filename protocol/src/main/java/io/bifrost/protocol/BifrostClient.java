package io.bifrost.protocol;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The client for Java backends, behaving as Bifrost's Ruby gem does: mint subscribe tokens for your users'
 * browsers, and broadcast to a channel over HTTP.
 *
 * <pre>{@code
 * BifrostClient bifrost = new BifrostClient(URI.create("https://realtime.example.com"), System.getenv("JWT_SECRET"));
 * String token = bifrost.tokenFor(List.of("user:1", "global"), Duration.ofMinutes(1));
 * int deliveries = bifrost.broadcast("user:1", "new_item", "{\"id\":7}");
 * int total = bifrost.broadcast(List.of("user:1", "user:2"), "new_item", "{\"id\":8}"); // one request
 *
 * BifrostClient patient = BifrostClient.builder(URI.create("https://realtime.example.com"), secret)
 *         .maxAttempts(5).timeout(Duration.ofSeconds(5)).build();
 * }</pre>
 *
 * <p>Every broadcast is delivered once or ends in a {@link BifrostException}: its token carries a fresh random
 * {@code jti}, and a {@code 503} (after its {@code Retry-After}), a timeout or a connection failure is retried with
 * the very same token, which the gateway accepts once and answers as a duplicate afterwards.
 *
 * <p>Thread-safe; create one and share it.
 */
public final class BifrostClient {
    /** Lifetime of a broadcast token when it is not retried: short, since it is used at once. */
    static final Duration BROADCAST_TOKEN_TTL = Duration.ofMinutes(1);
    static final int DEFAULT_MAX_ATTEMPTS = 3;
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(10);
    private static final int SERVICE_UNAVAILABLE = 503;

    private final URI broadcastUri;
    private final Tokens tokens;
    private final HttpClient http;
    private final Duration timeout;
    private final int maxAttempts;
    private final Duration tokenTtl;

    /**
     * A client with the defaults: 30 s per request, 3 attempts.
     *
     * @param baseUrl the gateway, e.g. {@code http://localhost:3000}
     * @param secret  the gateway's {@code JWT_SECRET}
     */
    public BifrostClient(URI baseUrl, String secret) {
        this(builder(baseUrl, secret));
    }

    /**
     * A client on a given HTTP client, with 3 attempts per broadcast.
     *
     * @param baseUrl the gateway, e.g. {@code http://localhost:3000}
     * @param secret  the gateway's {@code JWT_SECRET}
     * @param http    the HTTP client to use
     * @param timeout how long one request of a broadcast may take
     */
    public BifrostClient(URI baseUrl, String secret, HttpClient http, Duration timeout) {
        this(builder(baseUrl, secret).httpClient(http).timeout(timeout));
    }

    private BifrostClient(Builder builder) {
        String base = builder.baseUrl.toString();
        this.broadcastUri = URI.create(base.endsWith("/") ? base + "broadcast" : base + "/broadcast");
        this.tokens = new Tokens(builder.secret);
        this.http = builder.http != null ? builder.http
                : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        this.timeout = builder.timeout;
        this.maxAttempts = builder.maxAttempts;
        // The token must outlive every retry: one that expired on the way would turn a delivered-once into an error.
        this.tokenTtl = BROADCAST_TOKEN_TTL.plus(timeout.plus(MAX_RETRY_AFTER).multipliedBy(maxAttempts - 1L));
    }

    /**
     * Starts a client with more settings than the constructors take.
     *
     * @param baseUrl the gateway, e.g. {@code http://localhost:3000}
     * @param secret  the gateway's {@code JWT_SECRET}, at least {@value Tokens#MIN_SECRET_BYTES} bytes
     * @return a builder with the defaults: the JDK's HTTP client, 30 s per request, 3 attempts
     */
    public static Builder builder(URI baseUrl, String secret) {
        return new Builder(baseUrl, secret);
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
     * @return how many sockets it was delivered to; 0 when a retry found the first attempt already delivered
     * @throws BifrostException on any status above 206, or no answer, once the attempts are used up
     */
    public int broadcast(String channel, String event, String data) {
        return broadcast(channel, message(event, data));
    }

    /**
     * Broadcasts a message object to every socket on a channel.
     *
     * @param channel the channel
     * @param message the object every socket receives, with a string {@code event}
     * @return how many sockets it was delivered to; 0 when a retry found the first attempt already delivered
     * @throws BifrostException on any status above 206, or no answer, once the attempts are used up
     */
    public int broadcast(String channel, Map<String, ?> message) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("channel", channel);
        return publish(claims, message);
    }

    /**
     * Broadcasts {@code {"event":event,"data":data}} to every socket on each of the channels, in one request that
     * the gateway accepts or refuses as a whole. A socket on several of them gets the message once per channel.
     *
     * @param channels the channels, distinct, at least one (the gateway takes at most 100 by default)
     * @param event    the event name clients switch on
     * @param data     the payload, by convention a JSON document in a string
     * @return the sum of the deliveries on every channel; 0 when a retry found the first attempt already delivered
     * @throws BifrostException on any status above 206 (400 for an empty, duplicate or too long list), or no
     *                          answer, once the attempts are used up
     */
    public int broadcast(List<String> channels, String event, String data) {
        return broadcast(channels, message(event, data));
    }

    /**
     * Broadcasts a message object to every socket on each of the channels, in one request that the gateway accepts
     * or refuses as a whole. A socket on several of them gets the message once per channel.
     *
     * @param channels the channels, distinct, at least one (the gateway takes at most 100 by default)
     * @param message  the object every socket receives, with a string {@code event}
     * @return the sum of the deliveries on every channel; 0 when a retry found the first attempt already delivered
     * @throws BifrostException on any status above 206 (400 for an empty, duplicate or too long list), or no
     *                          answer, once the attempts are used up
     */
    public int broadcast(List<String> channels, Map<String, ?> message) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("channels", List.copyOf(channels));
        return publish(claims, message);
    }

    /** How long this client's broadcast tokens live: long enough for every attempt. */
    Duration tokenTtl() {
        return tokenTtl;
    }

    private static Map<String, Object> message(String event, String data) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", event);
        message.put("data", data);
        return message;
    }

    private int publish(Map<String, Object> claims, Map<String, ?> message) {
        claims.put("message", message);
        // One jti for all attempts: the gateway delivers it once, so a retry of a delivered attempt is a duplicate.
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("exp", Instant.now().plus(tokenTtl).getEpochSecond());
        String body = "{\"token\":" + Json.quote(tokens.mint(claims, HmacAlgorithm.HS512)) + "}";
        HttpRequest request = HttpRequest.newBuilder(broadcastUri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                // A timeout or a broken connection: the fate is unknown, and the same jti makes retrying safe.
                if (attempt < maxAttempts) {
                    continue;
                }
                throw new BifrostException(0, "", e, attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BifrostException(0, "", e, attempt);
            }
            int status = response.statusCode();
            if (status == SERVICE_UNAVAILABLE && attempt < maxAttempts) {
                try {
                    Thread.sleep(retryDelay(response.headers().firstValue("Retry-After")));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BifrostException(status, response.body(), e, attempt);
                }
                continue;
            }
            if (status > 206) {
                throw new BifrostException(status, response.body(), null, attempt);
            }
            return deliveries(response, attempt);
        }
    }

    private static int deliveries(HttpResponse<String> response, int attempt) {
        try {
            if (Json.parseObject(response.body()).get("deliveries") instanceof Number n) {
                return n.intValue();
            }
        } catch (InvalidJsonException e) {
            // Falls through: a success the client cannot read is reported with its body.
        }
        throw new BifrostException(response.statusCode(), response.body(), null, attempt);
    }

    /**
     * How long to wait before retrying a 503: its {@code Retry-After} in seconds, capped at {@link #MAX_RETRY_AFTER};
     * {@link #DEFAULT_RETRY_AFTER} when the header is missing or not a number of seconds (e.g. an HTTP date, which
     * the gateway never sends).
     */
    static Duration retryDelay(Optional<String> retryAfter) {
        if (retryAfter.isEmpty()) {
            return DEFAULT_RETRY_AFTER;
        }
        String seconds = retryAfter.get().strip();
        if (seconds.isEmpty() || !seconds.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return DEFAULT_RETRY_AFTER;
        }
        // More digits than the cap has are above it, however many there are.
        if (seconds.length() > 6) {
            return MAX_RETRY_AFTER;
        }
        Duration delay = Duration.ofSeconds(Integer.parseInt(seconds));
        return delay.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : delay;
    }

    /**
     * Settings for a {@link BifrostClient}, from {@link BifrostClient#builder}. Not thread-safe; build once.
     */
    public static final class Builder {
        private final URI baseUrl;
        private final String secret;
        private HttpClient http;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;

        private Builder(URI baseUrl, String secret) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
            this.secret = Objects.requireNonNull(secret, "secret");
        }

        /**
         * @param http the HTTP client to send with; by default one with a 10 s connect timeout
         * @return this builder
         */
        public Builder httpClient(HttpClient http) {
            this.http = Objects.requireNonNull(http, "http");
            return this;
        }

        /**
         * @param timeout how long one request may take before it is given up and retried; 30 s by default
         * @return this builder
         * @throws IllegalArgumentException unless positive
         */
        public Builder timeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout is " + timeout + "; give a positive duration, e.g. "
                        + "Duration.ofSeconds(30)");
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * @param maxAttempts how many requests one broadcast may send in all, the first included; 3 by default,
         *                    1 to never retry
         * @return this builder
         * @throws IllegalArgumentException unless 1 or more
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts is " + maxAttempts
                        + "; give 1 or more (1 sends each broadcast once and never retries)");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * @return the client
         * @throws IllegalArgumentException when the secret is shorter than {@value Tokens#MIN_SECRET_BYTES} bytes
         */
        public BifrostClient build() {
            return new BifrostClient(this);
        }
    }
}
