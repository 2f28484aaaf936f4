package io.bifrost.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.Optional;

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
 * Verifies any token, and refuses with a reason of ours: our own checks of the header, the signature and {@code exp}
 * first (stricter than jjwt, and so that "unsigned" or "wrong algorithm" get their own reasons), then jjwt for the
 * rest of RFC 7515 and RFC 7519.
 */
final class StrictVerifier {
    // Longest header value (an alg name) quoted in a reason.
    private static final int MAX_QUOTED = 40;

    private final SecretKeys keys;
    private final JwtParser parser;

    /**
     * @param keys  the shared secret's keys
     * @param clock the clock {@code exp} and {@code nbf} are checked against
     */
    StrictVerifier(SecretKeys keys, Clock clock) {
        this.keys = keys;
        this.parser = Jwts.parser()
                .json(new ParssonJwtJson.Reading())
                .clock(() -> Date.from(clock.instant()))
                .keyLocator(new LocatorAdapter<>() {
                    @Override
                    protected java.security.Key locate(ProtectedHeader header) {
                        return keys.key(HmacAlgorithm.byHeader(header.getAlgorithm()));
                    }
                })
                .build();
    }

    /**
     * @param token the token, possibly null
     * @return its claims
     * @throws TokenException with the precise reason it cannot be used
     */
    Verified verify(String token) throws TokenException {
        HmacAlgorithm algorithm = checkHeader(token);
        NumericDate.checkExp(signedClaims(token, algorithm));
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
        byte[] payload = Base64Url.decode(token, firstDot + 1, secondDot);
        byte[] signature = Base64Url.decode(token, secondDot + 1, token.length());
        if (payload == null || signature == null) {
            throw new TokenException(Reason.MALFORMED,
                    "token is malformed: its payload and signature must be unpadded base64url");
        }
        if (!keys.signatureMatches(algorithm, token, secondDot, signature)) {
            throw new TokenException(Reason.BAD_SIGNATURE, "signature does not match the secret");
        }
        try {
            // Bytes that are not UTF-8 become U+FFFD, as jjwt's reader makes them.
            return Json.parseObject(new String(payload, StandardCharsets.UTF_8));
        } catch (InvalidJsonException e) {
            throw new TokenException(Reason.MALFORMED, "token is malformed: its claims are " + e.getMessage());
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
}
