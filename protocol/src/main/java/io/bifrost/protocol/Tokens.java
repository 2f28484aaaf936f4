package io.bifrost.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

import io.jsonwebtoken.Jwts;

import static io.bifrost.protocol.TokenException.Reason;

/**
 * Mints and verifies the two kinds of token with the shared secret: subscribe tokens ({@code channels}) and
 * broadcast tokens ({@code channel}, {@code message}). Verification accepts HS256, HS384 and HS512 and nothing else;
 * {@code exp} is optional and, when present, checked at the moment of verification.
 *
 * <p>A token is a compact JWS: three unpadded base64url parts, the claims a JSON object within {@link Json}'s limits
 * (no compressed or unencoded payloads). {@code exp}, when present, is a NumericDate as RFC 7519 has it: a JSON number
 * of seconds from 0 to {@value #MAX_EXP_SECONDS} (the end of year 9999), fractions allowed and cut to whole seconds.
 *
 * <p>Plain tokens (a header of {@code alg} and {@code typ} only; no registered claim except an integer {@code exp}
 * more than a second away) are verified by {@link FastVerifier}, which only ever accepts; everything else, and every
 * refusal, goes through {@link StrictVerifier}'s checks and jjwt. This class reads what the claims mean. Refusal reasons are ours: they reach logs and callers, so they never carry
 * a library's text, and a value the sender chose appears only escaped and capped.
 */
public final class Tokens {
    /** HS512 keys shorter than 512 bits are weak (RFC 7518 §3.2); Bifrost's README asks for more than 64 characters. */
    public static final int MIN_SECRET_BYTES = 64;
    /** Longest channel name accepted, in characters. */
    public static final int MAX_CHANNEL_LENGTH = 256;
    /** Latest {@code exp} accepted: 9999-12-31T23:59:59Z, in seconds since 1970. */
    public static final long MAX_EXP_SECONDS = NumericDate.MAX_SECONDS;
    /** Longest {@code jti} accepted, in characters. */
    public static final int MAX_JTI_LENGTH = 128;

    private final SecretKeys keys;
    private final FastVerifier fast;
    private final StrictVerifier strict;
    private final Clock clock;
    private final boolean fastPath;
    private final LongAdder fastAcceptances = new LongAdder();

    /**
     * @param secret the shared secret, at least {@value #MIN_SECRET_BYTES} bytes in UTF-8
     */
    public Tokens(String secret) {
        this(secret, Clock.systemUTC());
    }

    /**
     * @param secret the shared secret, at least {@value #MIN_SECRET_BYTES} bytes in UTF-8
     * @param clock  the clock {@code exp} is checked against
     */
    public Tokens(String secret, Clock clock) {
        this(secret, clock, true);
    }

    /**
     * @param secret   the shared secret
     * @param clock    the clock {@code exp} is checked against
     * @param fastPath false to verify every token with jjwt only, for tests that compare both paths
     */
    Tokens(String secret, Clock clock, boolean fastPath) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("JWT secret is " + bytes.length + " bytes; HS512 needs at least "
                    + MIN_SECRET_BYTES + " (generate one with: openssl rand -hex 64)");
        }
        this.keys = new SecretKeys(bytes);
        this.fast = new FastVerifier(keys, clock);
        this.strict = new StrictVerifier(keys, clock);
        this.clock = clock;
        this.fastPath = fastPath;
    }

    /**
     * Verifies a subscribe token.
     *
     * @param token compact JWS
     * @return its claims
     * @throws TokenException with the precise reason it cannot be used
     */
    public SubscribeClaims verifySubscribe(String token) throws TokenException {
        Verified verified = verify(token);
        Object channels = verified.claims().get("channels");
        if (channels == null) {
            throw new TokenException(Reason.MISSING_CLAIM, "token has no \"channels\" claim");
        }
        if (!(channels instanceof List<?> list)) {
            throw new TokenException(Reason.INVALID_CLAIM,
                    "\"channels\" claim is " + Json.describe(channels) + ", expected an array of strings");
        }
        if (list.isEmpty()) {
            throw new TokenException(Reason.INVALID_CLAIM,
                    "token lists no channels; a subscribe token must name at least one");
        }
        List<String> names = new ArrayList<>(list.size());
        for (Object channel : list) {
            names.add(channelName(channel, "\"channels\" entry"));
        }
        return new SubscribeClaims(names, verified.expiresAt());
    }

    /**
     * Verifies a broadcast token.
     *
     * @param token compact JWS
     * @return its claims
     * @throws TokenException with the precise reason it cannot be used
     */
    public BroadcastClaims verifyBroadcast(String token) throws TokenException {
        Verified verified = verify(token);
        Map<String, ?> claims = verified.claims();
        List<String> channels = broadcastChannels(claims);
        Object message = claims.get("message");
        if (message == null) {
            throw new TokenException(Reason.MISSING_CLAIM, "token has no \"message\" claim");
        }
        if (!(message instanceof Map<?, ?> map)) {
            throw new TokenException(Reason.INVALID_CLAIM, "\"message\" claim is " + Json.describe(message)
                    + ", expected an object like {\"event\":\"new_item\",\"data\":\"...\"}");
        }
        Object event = map.get("event");
        if (!(event instanceof String e) || e.isEmpty()) {
            throw new TokenException(Reason.INVALID_CLAIM, "\"message\" has no string \"event\"; clients switch on it");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> body = (Map<String, Object>) map;
        return new BroadcastClaims(channels, new ServerFrame.Message(body), verified.expiresAt(), jti(claims));
    }

    // "channel", or "channels" for a batch: one of them, never both, each name valid, none twice.
    private static List<String> broadcastChannels(Map<String, ?> claims) throws TokenException {
        Object channel = claims.get("channel");
        Object channels = claims.get("channels");
        if (channel != null && channels != null) {
            throw new TokenException(Reason.INVALID_CLAIM, "token has both \"channel\" and \"channels\"; name one"
                    + " channel, or several in \"channels\"");
        }
        if (channels == null) {
            if (channel == null) {
                throw new TokenException(Reason.MISSING_CLAIM, "token has no \"channel\" claim (or \"channels\" for"
                        + " a batch)");
            }
            return List.of(channelName(channel, "\"channel\" claim"));
        }
        if (!(channels instanceof List<?> list)) {
            throw new TokenException(Reason.INVALID_CLAIM, "\"channels\" claim is " + Json.describe(channels)
                    + ", expected an array of channel names");
        }
        if (list.isEmpty()) {
            throw new TokenException(Reason.INVALID_CLAIM, "\"channels\" is empty; a batch names at least one channel");
        }
        List<String> names = new ArrayList<>(list.size());
        Set<String> seen = new HashSet<>();
        for (Object entry : list) {
            String name = channelName(entry, "\"channels\" entry");
            if (!seen.add(name)) {
                throw new TokenException(Reason.INVALID_CLAIM, "\"channels\" names " + Json.quote(name)
                        + " twice; each channel once");
            }
            names.add(name);
        }
        return names;
    }

    private static Optional<String> jti(Map<String, ?> claims) throws TokenException {
        if (!claims.containsKey("jti")) {
            return Optional.empty();
        }
        if (!(claims.get("jti") instanceof String jti) || jti.isEmpty() || jti.length() > MAX_JTI_LENGTH) {
            throw new TokenException(Reason.INVALID_CLAIM, "\"jti\" must be a string of 1 to " + MAX_JTI_LENGTH
                    + " characters, unique per broadcast (a UUID, say)");
        }
        return Optional.of(jti);
    }

    /**
     * Mints a subscribe token with HS512.
     *
     * @param channels channels the holder may join
     * @param ttl      lifetime, or null for a token without {@code exp}
     * @return compact JWS
     */
    public String subscribeToken(List<String> channels, Duration ttl) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("channels", List.copyOf(channels));
        return mint(withExpiry(claims, ttl), HmacAlgorithm.HS512);
    }

    /**
     * Mints a broadcast token with HS512.
     *
     * @param channel the channel
     * @param message the message object, usually {@code event} and {@code data}
     * @param ttl     lifetime, or null for a token without {@code exp}
     * @return compact JWS
     */
    public String broadcastToken(String channel, Map<String, ?> message, Duration ttl) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("channel", channel);
        claims.put("message", message);
        return mint(withExpiry(claims, ttl), HmacAlgorithm.HS512);
    }

    /**
     * Signs arbitrary claims: for backends that build their own, and for tests.
     *
     * @param claims    the claims; {@code exp} as epoch seconds
     * @param algorithm the algorithm
     * @return compact JWS
     */
    public String mint(Map<String, ?> claims, HmacAlgorithm algorithm) {
        return Jwts.builder()
                .json(new ParssonJwtJson.Writing())
                .claims(claims)
                .signWith(keys.key(algorithm), algorithm.jws())
                .compact();
    }

    private Map<String, Object> withExpiry(Map<String, Object> claims, Duration ttl) {
        if (ttl != null) {
            claims.put("exp", clock.instant().plus(ttl).getEpochSecond());
        }
        return claims;
    }

    /** How many tokens the fast path accepted: tests prove with it that the fast path is taken. */
    long fastAcceptances() {
        return fastAcceptances.sum();
    }

    private Verified verify(String token) throws TokenException {
        if (fastPath) {
            Verified verified = fast.verify(token);
            if (verified != null) {
                fastAcceptances.increment();
                return verified;
            }
        }
        return strict.verify(token);
    }

    private static String channelName(Object channel, String what) throws TokenException {
        if (!(channel instanceof String name)) {
            throw new TokenException(Reason.INVALID_CLAIM, what + " is " + Json.describe(channel) + ", expected a string");
        }
        if (name.isEmpty() || name.length() > MAX_CHANNEL_LENGTH) {
            throw new TokenException(Reason.INVALID_CLAIM,
                    what + " must be 1 to " + MAX_CHANNEL_LENGTH + " characters, got " + name.length());
        }
        return name;
    }
}
