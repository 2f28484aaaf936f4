package io.bifrost.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.MalformedJwtException;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.ProtectedHeader;
import io.jsonwebtoken.io.DeserializationException;
import io.jsonwebtoken.security.SecurityException;

import static io.bifrost.protocol.TokenException.Reason;

/**
 * Mints and verifies the two kinds of token with the shared secret: subscribe tokens ({@code channels}) and
 * broadcast tokens ({@code channel}, {@code message}). Verification accepts HS256, HS384 and HS512 and nothing else;
 * {@code exp} is optional and, when present, checked at the moment of verification.
 */
public final class Tokens {
    /** HS512 keys shorter than 512 bits are weak (RFC 7518 §3.2); Bifrost's README asks for more than 64 characters. */
    public static final int MIN_SECRET_BYTES = 64;
    /** Longest channel name accepted, in characters. */
    public static final int MAX_CHANNEL_LENGTH = 256;

    private final Map<HmacAlgorithm, SecretKey> keys = new EnumMap<>(HmacAlgorithm.class);
    private final JwtParser parser;
    private final Clock clock;

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
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("JWT secret is " + bytes.length + " bytes; HS512 needs at least "
                    + MIN_SECRET_BYTES + " (generate one with: openssl rand -hex 64)");
        }
        for (HmacAlgorithm alg : HmacAlgorithm.values()) {
            keys.put(alg, new SecretKeySpec(bytes, alg.jcaName()));
        }
        this.clock = clock;
        this.parser = Jwts.parser()
                .json(new ParssonJwtJson.Reading())
                .clock(() -> Date.from(clock.instant()))
                .keyLocator(new LocatorAdapter<>() {
                    @Override
                    protected java.security.Key locate(ProtectedHeader header) {
                        return keys.get(HmacAlgorithm.byHeader(header.getAlgorithm()));
                    }
                })
                .build();
    }

    /**
     * Verifies a subscribe token.
     *
     * @param token compact JWS
     * @return its claims
     * @throws TokenException with the precise reason it cannot be used
     */
    public SubscribeClaims verifySubscribe(String token) throws TokenException {
        Claims claims = verify(token);
        Object channels = claims.get("channels");
        if (channels == null) {
            throw new TokenException(Reason.MISSING_CLAIM, "token has no \"channels\" claim");
        }
        if (!(channels instanceof List<?> list)) {
            throw new TokenException(Reason.INVALID_CLAIM,
                    "\"channels\" claim is " + Json.describe(channels) + ", expected an array of strings");
        }
        List<String> names = new ArrayList<>(list.size());
        for (Object channel : list) {
            names.add(channelName(channel, "\"channels\" entry"));
        }
        return new SubscribeClaims(names, expiry(claims));
    }

    /**
     * Verifies a broadcast token.
     *
     * @param token compact JWS
     * @return its claims
     * @throws TokenException with the precise reason it cannot be used
     */
    public BroadcastClaims verifyBroadcast(String token) throws TokenException {
        Claims claims = verify(token);
        Object channel = claims.get("channel");
        if (channel == null) {
            throw new TokenException(Reason.MISSING_CLAIM, "token has no \"channel\" claim");
        }
        String name = channelName(channel, "\"channel\" claim");
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
        return new BroadcastClaims(name, new ServerFrame.Message(body), expiry(claims));
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
                .signWith(keys.get(algorithm), algorithm.jws())
                .compact();
    }

    private Map<String, Object> withExpiry(Map<String, Object> claims, Duration ttl) {
        if (ttl != null) {
            claims.put("exp", clock.instant().plus(ttl).getEpochSecond());
        }
        return claims;
    }

    private Claims verify(String token) throws TokenException {
        checkHeader(token);
        try {
            return parser.parseSignedClaims(token).getPayload();
        } catch (ExpiredJwtException e) {
            throw new TokenException(Reason.EXPIRED, "token expired at " + e.getClaims().getExpiration().toInstant());
        } catch (PrematureJwtException e) {
            throw new TokenException(Reason.NOT_YET_VALID, "token not valid before " + e.getClaims().getNotBefore().toInstant());
        } catch (SecurityException e) {
            throw new TokenException(Reason.BAD_SIGNATURE, "signature does not match the secret");
        } catch (MalformedJwtException | DeserializationException | IllegalArgumentException e) {
            throw new TokenException(Reason.MALFORMED, "token is malformed: " + e.getMessage());
        } catch (JwtException e) {
            throw new TokenException(Reason.INVALID_CLAIM, "token refused: " + e.getMessage());
        }
    }

    // Reads the header before jjwt does, so "unsigned" and "wrong algorithm" get their own reasons.
    private static void checkHeader(String token) throws TokenException {
        if (token == null || token.isEmpty()) {
            throw new TokenException(Reason.MALFORMED, "token is empty");
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            throw new TokenException(Reason.MALFORMED, "token is not a compact JWS (header.payload.signature)");
        }
        Map<String, Object> header;
        try {
            header = Json.parseObject(new String(Base64.getUrlDecoder().decode(token.substring(0, dot)),
                    StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | InvalidJsonException e) {
            throw new TokenException(Reason.MALFORMED, "token header is not base64url JSON");
        }
        Object alg = header.get("alg");
        if (!(alg instanceof String name)) {
            throw new TokenException(Reason.MALFORMED, "token header has no \"alg\"");
        }
        if ("none".equalsIgnoreCase(name)) {
            throw new TokenException(Reason.UNSIGNED, "unsigned token (alg: none)");
        }
        if (HmacAlgorithm.byHeader(name) == null) {
            throw new TokenException(Reason.UNSUPPORTED_ALGORITHM,
                    "token is signed with " + name + "; only HS256, HS384 and HS512 are accepted");
        }
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

    private static Optional<Instant> expiry(Claims claims) {
        Date exp = claims.getExpiration();
        return Optional.ofNullable(exp).map(Date::toInstant);
    }
}
