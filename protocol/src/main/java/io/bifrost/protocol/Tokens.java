package io.bifrost.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.ProtectedHeader;
import io.jsonwebtoken.security.SecurityException;

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
 * more than a second away) are verified by a fast path that only ever accepts; everything else, and every refusal,
 * goes through the checks below and jjwt. Refusal reasons are ours: they reach logs and callers, so they never carry
 * a library's text, and a value the sender chose appears only escaped and capped.
 */
public final class Tokens {
    /** HS512 keys shorter than 512 bits are weak (RFC 7518 §3.2); Bifrost's README asks for more than 64 characters. */
    public static final int MIN_SECRET_BYTES = 64;
    /** Longest channel name accepted, in characters. */
    public static final int MAX_CHANNEL_LENGTH = 256;

    /** Latest {@code exp} accepted: 9999-12-31T23:59:59Z, in seconds since 1970. */
    public static final long MAX_EXP_SECONDS = 253_402_300_799L;

    // Registered claims jjwt type-checks (exp aside, which we check ourselves): present means jjwt decides.
    private static final Set<String> LEFT_TO_JJWT = Set.of("iss", "sub", "aud", "nbf", "iat");
    /** Longest {@code jti} accepted, in characters. */
    public static final int MAX_JTI_LENGTH = 128;
    private static final BigDecimal MAX_EXP = BigDecimal.valueOf(MAX_EXP_SECONDS);
    // Longest header value (an alg name) quoted in a reason.
    private static final int MAX_QUOTED = 40;
    // Near its expiry a token goes to jjwt, whose decision and message are canonical.
    private static final long FAST_EXP_MARGIN_MILLIS = 1000;

    // The headers jjwt and most libraries write, recognized without decoding and parsing JSON on every call.
    private static final List<CommonHeader> COMMON_HEADERS = commonHeaders();

    private final Map<HmacAlgorithm, SecretKey> keys = new EnumMap<>(HmacAlgorithm.class);
    private final Map<HmacAlgorithm, MacPool> macs = new EnumMap<>(HmacAlgorithm.class);
    private final JwtParser parser;
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
        for (HmacAlgorithm alg : HmacAlgorithm.values()) {
            SecretKey key = new SecretKeySpec(bytes, alg.jcaName());
            keys.put(alg, key);
            macs.put(alg, new MacPool(alg, key));
        }
        this.clock = clock;
        this.fastPath = fastPath;
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
                .signWith(keys.get(algorithm), algorithm.jws())
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
            Verified verified = verifyFast(token);
            if (verified != null) {
                fastAcceptances.increment();
                return verified;
            }
        }
        return verifyWithJjwt(token);
    }

    private Verified verifyWithJjwt(String token) throws TokenException {
        HmacAlgorithm algorithm = checkHeader(token);
        checkExp(signedClaims(token, algorithm));
        try {
            Claims claims = parser.parseSignedClaims(token).getPayload();
            return new Verified(claims, Optional.ofNullable(claims.getExpiration()).map(Date::toInstant));
        } catch (ExpiredJwtException e) {
            throw new TokenException(Reason.EXPIRED, "token expired at " + e.getClaims().getExpiration().toInstant());
        } catch (PrematureJwtException e) {
            throw new TokenException(Reason.NOT_YET_VALID, "token not valid before " + e.getClaims().getNotBefore().toInstant());
        } catch (SecurityException e) {
            throw new TokenException(Reason.BAD_SIGNATURE, "signature does not match the secret");
        } catch (RuntimeException e) {
            // What is left to jjwt: header parameters (crit, zip, b64, cty...) and registered claims' types. Its
            // messages quote what the sender wrote, so they stay out of the reason.
            throw new TokenException(Reason.MALFORMED, "token is malformed: a header parameter or a registered claim"
                    + " (iss, sub, aud, iat, nbf, jti) is not as RFC 7515 and RFC 7519 define it", e);
        }
    }

    // Reads the header before jjwt does, so "unsigned" and "wrong algorithm" get their own reasons.
    private static HmacAlgorithm checkHeader(String token) throws TokenException {
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
        HmacAlgorithm algorithm = HmacAlgorithm.byHeader(name);
        if (algorithm == null) {
            throw new TokenException(Reason.UNSUPPORTED_ALGORITHM,
                    "token is signed with " + quoted(name) + "; only HS256, HS384 and HS512 are accepted");
        }
        return algorithm;
    }

    /**
     * The claims of a token whose signature is valid, read strictly (unpadded base64url, a JSON object within
     * {@link Json}'s limits) so that our checks of them run before jjwt, which is lenient where we are not, and never
     * on a forged token: the signature is checked first, as jjwt checks it before it reads the payload.
     */
    private Map<String, Object> signedClaims(String token, HmacAlgorithm algorithm) throws TokenException {
        int firstDot = token.indexOf('.');
        int secondDot = token.indexOf('.', firstDot + 1);
        if (secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) {
            throw new TokenException(Reason.MALFORMED,
                    "token is malformed: a compact JWS has three parts, header.payload.signature");
        }
        if (secondDot == firstDot + 1 || secondDot == token.length() - 1) {
            throw new TokenException(Reason.MALFORMED, "token is malformed: its payload or its signature is empty");
        }
        byte[] payload = decodeBase64Url(token, firstDot + 1, secondDot);
        byte[] signature = decodeBase64Url(token, secondDot + 1, token.length());
        if (payload == null || signature == null) {
            throw new TokenException(Reason.MALFORMED,
                    "token is malformed: its payload and signature must be unpadded base64url");
        }
        if (!signatureMatches(algorithm, token, secondDot, signature)) {
            throw new TokenException(Reason.BAD_SIGNATURE, "signature does not match the secret");
        }
        try {
            // Bytes that are not UTF-8 become U+FFFD, as jjwt's reader makes them.
            return Json.parseObject(new String(payload, StandardCharsets.UTF_8));
        } catch (InvalidJsonException e) {
            throw new TokenException(Reason.MALFORMED, "token is malformed: its claims are " + e.getMessage());
        }
    }

    // RFC 7519's NumericDate, strictly: jjwt also takes "1999999999" or an ISO date, and reads 1e300 or 2^63 as 1970.
    private static void checkExp(Map<String, Object> claims) throws TokenException {
        if (!claims.containsKey("exp")) {
            return;
        }
        BigDecimal seconds = switch (claims.get("exp")) {
            case Long l -> BigDecimal.valueOf(l);
            case BigInteger b -> new BigDecimal(b);
            case BigDecimal d -> d;
            case null, default -> throw new TokenException(Reason.MALFORMED,
                    "exp must be a NumericDate: a JSON number of seconds since 1970");
        };
        if (seconds.signum() < 0 || seconds.compareTo(MAX_EXP) > 0) {
            throw new TokenException(Reason.MALFORMED, "exp " + claims.get("exp") + " is out of range: send a NumericDate,"
                    + " seconds since 1970 from 0 to " + MAX_EXP_SECONDS + " (the end of year 9999)");
        }
    }

    // A value the sender chose, as a JSON string of printable ASCII (anything else as \\uXXXX), capped.
    private static String quoted(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_QUOTED) + 8).append('"');
        for (int i = 0; i < value.length(); i++) {
            if (i == MAX_QUOTED) {
                return out.append("\"…").toString();
            }
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7F) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.append('"').toString();
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

    /**
     * Verifies a plain token without jjwt, or returns null for jjwt to decide: it accepts only what jjwt would accept
     * with the very same claims, and never refuses.
     */
    private Verified verifyFast(String token) {
        if (token == null) {
            return null;
        }
        int firstDot = token.indexOf('.');
        int secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
        if (firstDot <= 0 || secondDot <= firstDot + 1 || secondDot == token.length() - 1
                || token.indexOf('.', secondDot + 1) >= 0) {
            return null;
        }
        HmacAlgorithm algorithm = headerAlgorithm(token, firstDot);
        if (algorithm == null) {
            return null;
        }
        byte[] signature = decodeBase64Url(token, secondDot + 1, token.length());
        if (signature == null) {
            return null;
        }
        byte[] payloadBytes = decodeBase64Url(token, firstDot + 1, secondDot);
        if (payloadBytes == null) {
            return null;
        }
        if (!signatureMatches(algorithm, token, secondDot, signature)) {
            return null;
        }
        Map<String, Object> claims = parseJsonObject(payloadBytes);
        if (claims == null || !plainClaims(claims)) {
            return null;
        }
        Optional<Instant> expiresAt = Optional.empty();
        if (claims.containsKey("exp")) {
            if (!(claims.get("exp") instanceof Long exp) || exp < 0 || exp > MAX_EXP_SECONDS
                    || clock.millis() >= exp * 1000 - FAST_EXP_MARGIN_MILLIS) {
                return null;
            }
            expiresAt = Optional.of(Instant.ofEpochSecond(exp));
        }
        return new Verified(claims, expiresAt);
    }

    // The MAC of the token up to its second dot: every character before it is base64url (decoded by the caller), so
    // the signing input is the token's ASCII prefix.
    private boolean signatureMatches(HmacAlgorithm algorithm, String token, int secondDot, byte[] signature) {
        MacPool pool = macs.get(algorithm);
        if (signature.length != pool.macLength()) {
            return false;
        }
        Mac mac = pool.take();
        mac.update(token.getBytes(StandardCharsets.US_ASCII), 0, secondDot);
        byte[] expected = mac.doFinal();
        pool.give(mac);
        return MessageDigest.isEqual(expected, signature);
    }

    // The header's algorithm if the header is plain (alg and typ only), else null.
    private static HmacAlgorithm headerAlgorithm(String token, int headerLength) {
        for (CommonHeader common : COMMON_HEADERS) {
            if (common.encoded().length() == headerLength && token.startsWith(common.encoded())) {
                return common.algorithm();
            }
        }
        Map<String, Object> header = parseJsonObject(decodeBase64Url(token, 0, headerLength));
        if (header == null || !(header.get("alg") instanceof String alg) || !plainHeader(header)) {
            return null;
        }
        return HmacAlgorithm.byHeader(alg);
    }

    // jjwt would refuse other header parameters (crit, zip, b64, cty...) or treat them specially.
    private static boolean plainHeader(Map<String, Object> header) {
        for (Map.Entry<String, Object> entry : header.entrySet()) {
            switch (entry.getKey()) {
                case "alg" -> {
                }
                case "typ" -> {
                    if (!(entry.getValue() instanceof String)) {
                        return false;
                    }
                }
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    // jjwt trims claim names and refuses blank ones, so such names would give it different claims.
    private static boolean plainClaims(Map<String, Object> claims) {
        for (String name : claims.keySet()) {
            if (name.isEmpty() || Character.isWhitespace(name.charAt(0))
                    || Character.isWhitespace(name.charAt(name.length() - 1)) || LEFT_TO_JJWT.contains(name)) {
                return false;
            }
            // Every broadcast from the Java client carries a jti: a string one stays on the fast path (jjwt takes any
            // string as an id); anything else is jjwt's to judge.
            if (name.equals("jti") && !(claims.get(name) instanceof String)) {
                return false;
            }
        }
        return true;
    }

    // Null unless the bytes are well-formed UTF-8 of a JSON object: jjwt's reader would replace bad bytes, not fail.
    private static Map<String, Object> parseJsonObject(byte[] utf8) {
        if (utf8 == null) {
            return null;
        }
        String text = new String(utf8, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') >= 0) {
            return null;
        }
        try {
            return Json.parseObject(text);
        } catch (InvalidJsonException | RuntimeException e) {
            // The fast path never refuses: jjwt will parse this again and say what is wrong.
            return null;
        }
    }

    /**
     * Decodes {@code text[from, to)} as unpadded base64url, ignoring the unused low bits of the last character as
     * both java.util.Base64 and jjwt do; null for padding, any other character or a length no encoding produces.
     */
    static byte[] decodeBase64Url(String text, int from, int to) {
        int padding = text.indexOf('=', from);
        if (to <= from || (padding >= 0 && padding < to)) {
            return null;
        }
        try {
            return Base64.getUrlDecoder().decode(text.substring(from, to));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static List<CommonHeader> commonHeaders() {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        List<CommonHeader> headers = new ArrayList<>();
        for (HmacAlgorithm algorithm : HmacAlgorithm.values()) {
            String alg = "\"alg\":\"" + algorithm.name() + "\"";
            for (String json : List.of("{" + alg + "}", "{" + alg + ",\"typ\":\"JWT\"}", "{\"typ\":\"JWT\"," + alg + "}")) {
                headers.add(new CommonHeader(encoder.encodeToString(json.getBytes(StandardCharsets.US_ASCII)), algorithm));
            }
        }
        return List.copyOf(headers);
    }

    /**
     * A header as it appears in tokens.
     *
     * @param encoded   the header's base64url text
     * @param algorithm its {@code alg}
     */
    private record CommonHeader(String encoded, HmacAlgorithm algorithm) {
    }

    /**
     * What verification yields on either path, so both feed the same claim checks.
     *
     * @param claims    the payload's claims as the JSON codec read them
     * @param expiresAt the {@code exp} claim
     */
    private record Verified(Map<String, ?> claims, Optional<Instant> expiresAt) {
    }

    /**
     * Initialized {@link Mac}s of one algorithm, reused: creating and initializing one costs more than a MAC. Not a
     * ThreadLocal, because callers are virtual threads; bounded, because a burst must not leave thousands behind.
     */
    private static final class MacPool {
        private static final int MAX_IDLE = 64;

        private final HmacAlgorithm algorithm;
        private final SecretKey key;
        private final int macLength;
        private final ConcurrentLinkedQueue<Mac> idle = new ConcurrentLinkedQueue<>();
        private final AtomicInteger idleCount = new AtomicInteger();

        MacPool(HmacAlgorithm algorithm, SecretKey key) {
            this.algorithm = algorithm;
            this.key = key;
            Mac first = create();
            this.macLength = first.getMacLength();
            give(first);
        }

        int macLength() {
            return macLength;
        }

        Mac take() {
            Mac mac = idle.poll();
            if (mac == null) {
                return create();
            }
            idleCount.decrementAndGet();
            return mac;
        }

        // Only a Mac whose doFinal completed comes back, so every pooled Mac is reset and ready.
        void give(Mac mac) {
            if (idleCount.incrementAndGet() <= MAX_IDLE) {
                idle.offer(mac);
            } else {
                idleCount.decrementAndGet();
            }
        }

        private Mac create() {
            try {
                Mac mac = Mac.getInstance(algorithm.jcaName());
                mac.init(key);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JVM cannot compute " + algorithm.jcaName() + " (" + e.getMessage()
                        + "); run Bifrost on a JDK with the standard SunJCE provider", e);
            }
        }
    }
}
