package io.bifrost.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies plain tokens without jjwt: a header of {@code alg} and {@code typ} only, no registered claim but a string
 * {@code jti} and an integer {@code exp} more than a second away. It accepts only what jjwt would accept with the very
 * same claims and never refuses: anything else, and every refusal, is {@link StrictVerifier}'s.
 */
final class FastVerifier {
    // Registered claims jjwt type-checks (exp aside, which we check ourselves): present means jjwt decides.
    private static final Set<String> LEFT_TO_JJWT = Set.of("iss", "sub", "aud", "nbf", "iat");
    // Near its expiry a token goes to jjwt, whose decision and message are canonical.
    private static final long FAST_EXP_MARGIN_MILLIS = 1000;
    // The headers jjwt and most libraries write, recognized without decoding and parsing JSON on every call.
    private static final List<CommonHeader> COMMON_HEADERS = commonHeaders();

    private final SecretKeys keys;
    private final Clock clock;

    /**
     * @param keys  the shared secret's keys
     * @param clock the clock {@code exp} is checked against
     */
    FastVerifier(SecretKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /**
     * @param token the token, possibly null
     * @return its claims if it is plain and valid, else null for jjwt to decide
     */
    Verified verify(String token) {
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
        byte[] signature = Base64Url.decode(token, secondDot + 1, token.length());
        if (signature == null) {
            return null;
        }
        byte[] payloadBytes = Base64Url.decode(token, firstDot + 1, secondDot);
        if (payloadBytes == null) {
            return null;
        }
        if (!keys.signatureMatches(algorithm, token, secondDot, signature)) {
            return null;
        }
        Map<String, Object> claims = parseJsonObject(payloadBytes);
        if (claims == null || !plainClaims(claims)) {
            return null;
        }
        Optional<Instant> expiresAt = Optional.empty();
        if (claims.containsKey("exp")) {
            if (!(claims.get("exp") instanceof Long exp) || exp < 0 || exp > NumericDate.MAX_SECONDS
                    || clock.millis() >= exp * 1000 - FAST_EXP_MARGIN_MILLIS) {
                return null;
            }
            expiresAt = Optional.of(Instant.ofEpochSecond(exp));
        }
        return new Verified(claims, expiresAt);
    }

    // The header's algorithm if the header is plain (alg and typ only), else null.
    private static HmacAlgorithm headerAlgorithm(String token, int headerLength) {
        for (CommonHeader common : COMMON_HEADERS) {
            if (common.encoded().length() == headerLength && token.startsWith(common.encoded())) {
                return common.algorithm();
            }
        }
        Map<String, Object> header = parseJsonObject(Base64Url.decode(token, 0, headerLength));
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
}
