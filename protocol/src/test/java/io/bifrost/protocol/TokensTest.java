package io.bifrost.protocol;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.jsonwebtoken.Jwts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokensTest {
    static final String SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef-bifrost-test";
    static final String OTHER_SECRET = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210-another-one";

    /** 2030-01-01T00:00:00Z. */
    static final Instant T = Instant.parse("2030-01-01T00:00:00Z");
    static final long T_SECONDS = 1_893_456_000L;

    private final Tokens tokens = new Tokens(SECRET, at(T));
    /** The same verifier with the fast path off: jjwt decides everything, as before the fast path existed. */
    private final Tokens jjwtOnly = new Tokens(SECRET, at(T), false);

    static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static String unb64(String part) {
        return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
    }

    /** A token signed by hand, as another JWT library would: header and payload exactly as given. */
    static String handSigned(String secret, String headerJson, String payloadJson) throws Exception {
        return handSigned(secret, HmacAlgorithm.HS512, headerJson, payloadJson);
    }

    static String handSigned(String secret, HmacAlgorithm algorithm, String headerJson, String payloadJson)
            throws Exception {
        return signed(secret, algorithm, b64(headerJson) + "." + b64(payloadJson));
    }

    /** Appends the signature of {@code signingInput}, whatever its characters, unpadded. */
    static String signed(String secret, HmacAlgorithm algorithm, String signingInput) throws Exception {
        return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                mac(secret, algorithm, signingInput.getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] mac(String secret, HmacAlgorithm algorithm, byte[] input) throws Exception {
        Mac mac = Mac.getInstance(algorithm.jcaName());
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm.jcaName()));
        return mac.doFinal(input);
    }

    static TokenException refusedSubscribe(Tokens tokens, String token) {
        return assertThrows(TokenException.class, () -> tokens.verifySubscribe(token));
    }

    static TokenException refusedBroadcast(Tokens tokens, String token) {
        return assertThrows(TokenException.class, () -> tokens.verifyBroadcast(token));
    }

    static Map<String, Object> message(String event, String data) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", event);
        message.put("data", data);
        return message;
    }

    // ---- round trips ----

    @Test
    void subscribeTokenRoundTripKeepsChannelOrderAndExpiry() throws Exception {
        String token = tokens.subscribeToken(List.of("user:1", "global", "a:b:c"), Duration.ofSeconds(60));

        SubscribeClaims claims = tokens.verifySubscribe(token);

        assertEquals(List.of("user:1", "global", "a:b:c"), claims.channels());
        assertEquals(Optional.of(T.plusSeconds(60)), claims.expiresAt());
    }

    @Test
    void subscribeTokenWithoutTtlHasNoExpiry() throws Exception {
        String token = tokens.subscribeToken(List.of("global", "user:1"), null);

        SubscribeClaims claims = new Tokens(SECRET, at(T.plus(Duration.ofDays(3650)))).verifySubscribe(token);

        assertEquals(List.of("global", "user:1"), claims.channels());
        assertEquals(Optional.empty(), claims.expiresAt());
        assertEquals("{\"channels\":[\"global\",\"user:1\"]}", unb64(token.split("\\.")[1]));
    }

    @Test
    void mintedTokensAreHs512WithTheClaimsAsGiven() {
        String[] parts = tokens.subscribeToken(List.of("user:1", "global"), Duration.ofSeconds(60)).split("\\.");

        assertEquals(3, parts.length);
        assertEquals("{\"alg\":\"HS512\"}", unb64(parts[0]));
        assertEquals("{\"channels\":[\"user:1\",\"global\"],\"exp\":" + (T_SECONDS + 60) + "}", unb64(parts[1]));
    }

    @Test
    void broadcastTokenRoundTripKeepsTheMessageExactly() throws Exception {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", "new_item");
        message.put("data", "{\"id\":7,\"name\":\"héllo ✓ 😀\"}");
        message.put("zeta", new BigInteger("123456789012345678901234567890"));
        message.put("alpha", List.of(1L, "two", Map.of()));
        message.put("none", null);
        String token = tokens.broadcastToken("user:1", message, Duration.ofMinutes(1));

        BroadcastClaims claims = tokens.verifyBroadcast(token);

        assertEquals(List.of("user:1"), claims.channels());
        assertEquals(message, claims.message().body());
        assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7,\\\"name\\\":\\\"héllo ✓ 😀\\\"}\","
                        + "\"zeta\":123456789012345678901234567890,\"alpha\":[1,\"two\",{}],\"none\":null}",
                claims.message().encode());
        assertEquals(Optional.of(T.plusSeconds(60)), claims.expiresAt());
    }

    @Test
    void broadcastTokenWithoutTtlHasNoExpiry() throws Exception {
        String token = tokens.broadcastToken("global", message("e", "d"), null);

        BroadcastClaims claims = tokens.verifyBroadcast(token);

        assertEquals(Optional.empty(), claims.expiresAt());
        assertEquals("{\"channel\":\"global\",\"message\":{\"event\":\"e\",\"data\":\"d\"}}", unb64(token.split("\\.")[1]));
    }

    @ParameterizedTest
    @EnumSource(HmacAlgorithm.class)
    void everyHmacAlgorithmVerifies(HmacAlgorithm algorithm) throws Exception {
        String subscribe = tokens.mint(Map.of("channels", List.of("user:1")), algorithm);
        String broadcast = tokens.mint(Map.of("channel", "user:1", "message", message("e", "d")), algorithm);

        assertEquals("{\"alg\":\"" + algorithm.name() + "\"}", unb64(subscribe.split("\\.")[0]));
        assertEquals(List.of("user:1"), tokens.verifySubscribe(subscribe).channels());
        assertEquals("{\"event\":\"e\",\"data\":\"d\"}", tokens.verifyBroadcast(broadcast).message().encode());
    }

    @Test
    void tokenSignedByAnotherLibraryWithATypHeaderVerifies() throws Exception {
        String token = handSigned(SECRET, "{\"typ\":\"JWT\",\"alg\":\"HS512\"}",
                "{\"channels\":[\"user:1\",\"global\"],\"exp\":" + (T_SECONDS + 60) + "}");

        SubscribeClaims claims = tokens.verifySubscribe(token);

        assertEquals(List.of("user:1", "global"), claims.channels());
        assertEquals(Optional.of(T.plusSeconds(60)), claims.expiresAt());
    }

    @Test
    void emptyChannelListIsRefused() {
        for (Tokens verifier : List.of(tokens, jjwtOnly)) {
            TokenException e = refusedSubscribe(verifier, tokens.subscribeToken(List.of(), Duration.ofMinutes(1)));

            assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
            assertEquals("token lists no channels; a subscribe token must name at least one", e.getMessage());
        }
    }

    @Test
    void channelOfMaximumLengthIsAllowed() throws Exception {
        String longest = "c".repeat(Tokens.MAX_CHANNEL_LENGTH);

        assertEquals(List.of(longest), tokens.verifySubscribe(tokens.subscribeToken(List.of(longest), null)).channels());
    }

    // ---- BAD_SIGNATURE ----

    @Test
    void tokenSignedWithAnotherSecretHasABadSignature() {
        String token = new Tokens(OTHER_SECRET, at(T)).subscribeToken(List.of("user:1"), Duration.ofMinutes(1));

        TokenException e = refusedSubscribe(tokens, token);

        assertEquals(TokenException.Reason.BAD_SIGNATURE, e.reason());
        assertEquals("signature does not match the secret", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(HmacAlgorithm.class)
    void anyAlgorithmWithAnotherSecretHasABadSignature(HmacAlgorithm algorithm) {
        String token = new Tokens(OTHER_SECRET, at(T)).mint(Map.of("channel", "c", "message", message("e", "d")), algorithm);

        assertEquals(TokenException.Reason.BAD_SIGNATURE, refusedBroadcast(tokens, token).reason());
    }

    @Test
    void tamperedPayloadHasABadSignature() {
        String[] parts = tokens.subscribeToken(List.of("user:1"), null).split("\\.");
        String tampered = parts[0] + "." + b64("{\"channels\":[\"user:2\"]}") + "." + parts[2];

        TokenException e = refusedSubscribe(tokens, tampered);

        assertEquals(TokenException.Reason.BAD_SIGNATURE, e.reason());
    }

    @Test
    void tamperedSignatureIsABadSignature() {
        String token = tokens.subscribeToken(List.of("user:1"), null);
        // The signature's first character, not its last: the last one carries padding bits a decoder may ignore.
        int at = token.lastIndexOf('.') + 1;
        String tampered = token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);

        assertNotEquals(token, tampered);
        assertEquals(TokenException.Reason.BAD_SIGNATURE, refusedSubscribe(tokens, tampered).reason());
    }

    @Test
    void tokenDowngradedToAnotherHmacHasABadSignature() {
        String[] parts = tokens.subscribeToken(List.of("user:1"), null).split("\\.");
        String downgraded = b64("{\"alg\":\"HS256\"}") + "." + parts[1] + "." + parts[2];

        assertEquals(TokenException.Reason.BAD_SIGNATURE, refusedSubscribe(tokens, downgraded).reason());
    }

    // ---- EXPIRED / NOT_YET_VALID ----

    @Test
    void tokenIsExpiredWhenVerifiedAfterItsExp() {
        String token = tokens.subscribeToken(List.of("user:1"), Duration.ofHours(1));
        Tokens twoHoursLater = new Tokens(SECRET, at(T.plus(Duration.ofHours(2))));

        TokenException e = refusedSubscribe(twoHoursLater, token);

        assertEquals(TokenException.Reason.EXPIRED, e.reason());
        assertEquals("token expired at 2030-01-01T01:00:00Z", e.getMessage());
    }

    @Test
    void broadcastTokenIsExpiredWhenVerifiedAfterItsExp() {
        String token = tokens.broadcastToken("user:1", message("e", "d"), Duration.ofMinutes(1));

        TokenException e = refusedBroadcast(new Tokens(SECRET, at(T.plus(Duration.ofHours(2)))), token);

        assertEquals(TokenException.Reason.EXPIRED, e.reason());
        assertEquals("token expired at 2030-01-01T00:01:00Z", e.getMessage());
    }

    @Test
    void tokenWithExpInThePastIsExpired() {
        String token = tokens.mint(Map.of("channels", List.of("user:1"), "exp", T_SECONDS - 1), HmacAlgorithm.HS512);

        TokenException e = refusedSubscribe(tokens, token);

        assertEquals(TokenException.Reason.EXPIRED, e.reason());
        assertEquals("token expired at 2029-12-31T23:59:59Z", e.getMessage());
    }

    @Test
    void expIsCheckedWhenTheTokenIsVerifiedAgainstTheVerifiersClock() throws Exception {
        MutableClock clock = new MutableClock(T);
        Tokens verifier = new Tokens(SECRET, clock);
        String token = verifier.subscribeToken(List.of("user:1"), Duration.ofSeconds(60));

        clock.now = T.plusSeconds(59);
        SubscribeClaims claims = verifier.verifySubscribe(token);
        clock.now = T.plusSeconds(61);
        TokenException e = refusedSubscribe(verifier, token);

        // Verified in time, the claims stay what they were: nothing checks exp again later.
        assertEquals(List.of("user:1"), claims.channels());
        assertEquals(Optional.of(T.plusSeconds(60)), claims.expiresAt());
        assertEquals(TokenException.Reason.EXPIRED, e.reason());
    }

    @Test
    void tokenWithNbfInTheFutureIsNotYetValid() {
        String token = tokens.mint(Map.of("channels", List.of("user:1"), "nbf", T_SECONDS + 3600), HmacAlgorithm.HS512);

        TokenException e = refusedSubscribe(tokens, token);

        assertEquals(TokenException.Reason.NOT_YET_VALID, e.reason());
        assertEquals("token not valid before 2030-01-01T01:00:00Z", e.getMessage());
    }

    @Test
    void tokenWithNbfInThePastIsValid() throws Exception {
        String token = tokens.mint(Map.of("channels", List.of("user:1"), "nbf", T_SECONDS - 3600), HmacAlgorithm.HS512);

        assertEquals(List.of("user:1"), tokens.verifySubscribe(token).channels());
    }

    // ---- MALFORMED ----

    @Test
    void emptyTokenIsMalformed() {
        for (String token : new String[] {"", null}) {
            TokenException e = refusedSubscribe(tokens, token);
            assertEquals(TokenException.Reason.MALFORMED, e.reason());
            assertEquals("token is empty", e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", ".a.b", "..", "eyJhbGciOiJIUzUxMiJ9"})
    void tokenWithoutAHeaderPartIsMalformed(String token) {
        TokenException e = refusedSubscribe(tokens, token);

        assertEquals(TokenException.Reason.MALFORMED, e.reason());
        assertEquals("token is not a compact JWS (header.payload.signature)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b", "a.b.c", "!!!.e30.c2ln", "bm90IGpzb24.e30.c2ln", "W10.e30.c2ln",
            "eyJhbGciOiJIUzUxMiJ9IHg.e30.c2ln"})
    void tokenWhoseHeaderIsNotBase64JsonObjectIsMalformed(String token) {
        // bm90IGpzb24 is "not json", W10 is "[]", eyJhbGciOiJIUzUxMiJ9IHg is {"alg":"HS512"} followed by " x".
        TokenException e = refusedSubscribe(tokens, token);

        assertEquals(TokenException.Reason.MALFORMED, e.reason());
        assertEquals("token header is not base64url JSON", e.getMessage());
    }

    @Test
    void headerNotJsonIsMalformed() {
        String token = b64("{alg: HS512}") + "." + b64("{\"channels\":[\"user:1\"]}") + ".c2ln";

        TokenException e = refusedSubscribe(tokens, token);

        assertEquals(TokenException.Reason.MALFORMED, e.reason());
        assertEquals("token header is not base64url JSON", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"typ\":\"JWT\"}", "{\"alg\":512}", "{\"alg\":null}"})
    void headerWithoutAStringAlgIsMalformed(String header) {
        TokenException e = refusedSubscribe(tokens, b64(header) + "." + b64("{\"channels\":[\"user:1\"]}") + ".c2ln");

        assertEquals(TokenException.Reason.MALFORMED, e.reason());
        assertEquals("token header has no \"alg\"", e.getMessage());
    }

    @Test
    void tokenWithoutItsSignatureIsMalformed() {
        String[] parts = tokens.subscribeToken(List.of("user:1"), null).split("\\.");

        for (String token : new String[] {parts[0] + "." + parts[1], parts[0] + "." + parts[1] + "."}) {
            TokenException e = refusedSubscribe(tokens, token);
            assertEquals(TokenException.Reason.MALFORMED, e.reason(), token);
            assertTrue(e.getMessage().startsWith("token is malformed: "), e.getMessage());
        }
    }

    // ---- UNSIGNED / UNSUPPORTED_ALGORITHM ----

    @ParameterizedTest
    @ValueSource(strings = {"{\"alg\":\"none\"}", "{\"alg\":\"None\"}", "{\"typ\":\"JWT\",\"alg\":\"NONE\"}"})
    void unsignedTokenIsRefused(String header) {
        String token = b64(header) + "." + b64("{\"channels\":[\"user:1\"]}") + ".";

        TokenException e = refusedSubscribe(tokens, token);

        assertEquals(TokenException.Reason.UNSIGNED, e.reason());
        assertEquals("unsigned token (alg: none)", e.getMessage());
    }

    @Test
    void unsignedBroadcastTokenIsRefused() {
        String token = b64("{\"alg\":\"none\"}") + "."
                + b64("{\"channel\":\"user:1\",\"message\":{\"event\":\"e\",\"data\":\"d\"}}") + ".";

        assertEquals(TokenException.Reason.UNSIGNED, refusedBroadcast(tokens, token).reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "ES256", "PS512", "EdDSA", "HS1", "hs512"})
    void tokenSignedWithAnotherAlgorithmIsRefused(String alg) {
        String token = b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}") + "." + b64("{\"channels\":[\"user:1\"]}") + "."
                + b64("some signature");

        TokenException e = refusedSubscribe(tokens, token);

        assertEquals(TokenException.Reason.UNSUPPORTED_ALGORITHM, e.reason());
        assertEquals("token is signed with \"" + alg + "\"; only HS256, HS384 and HS512 are accepted", e.getMessage());
    }

    @Test
    void anAlgTheSenderChoseIsQuotedEscapedAndCappedInTheReason() {
        String alg = "RS256\nFAKE 2026-01-01 SEVERE forged\u0000\u007f\u0085\u2028\"\\" + "x".repeat(1000);
        String token = b64(Json.write(Map.of("alg", alg))) + "." + b64("{\"channels\":[\"user:1\"]}") + ".c2ln";

        TokenException e = refusedSubscribe(tokens, token);

        assertEquals(TokenException.Reason.UNSUPPORTED_ALGORITHM, e.reason());
        // The first 40 characters of the alg, each control character as \\uXXXX.
        assertEquals("token is signed with \"RS256\\u000aFAKE 2026-01-01 SEVERE forged\\u0000\\u007f\\u0085\\u2028\\\"\"…;"
                + " only HS256, HS384 and HS512 are accepted", e.getMessage());
    }

    // ---- exp: a NumericDate, in range ----

    private String withExp(String exp) throws Exception {
        return handSigned(SECRET, "{\"alg\":\"HS512\"}", "{\"channels\":[\"user:1\"],\"channel\":\"user:1\","
                + "\"message\":{\"event\":\"e\"},\"exp\":" + exp + "}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"1999999999\"", "\"2030-01-01T01:00:00Z\"", "\"1000\"", "\"soon\"", "\"\"", "null", "true",
            "[1999999999]", "{}"})
    void expThatIsNotAJsonNumberIsRefusedOnBothPaths(String exp) throws Exception {
        for (Tokens verifier : List.of(tokens, jjwtOnly)) {
            TokenException subscribe = refusedSubscribe(verifier, withExp(exp));
            TokenException broadcast = refusedBroadcast(verifier, withExp(exp));

            assertEquals(TokenException.Reason.MALFORMED, subscribe.reason());
            assertEquals("exp must be a NumericDate: a JSON number of seconds since 1970", subscribe.getMessage());
            assertEquals(subscribe.getMessage(), broadcast.getMessage());
        }
        assertEquals(0, tokens.fastAcceptances());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "-0.5", "-9223372036854775808", "253402300800", "253402300799.5", "9223372036854775807",
            "9223372036854775808", "18446744073709551616", "1e300", "1E+300", "1e999999999", "-1e999999999",
            "123456789012345678901234567890"})
    void expOutOfRangeIsRefusedSayingSoAndWhatToSend(String exp) throws Exception {
        for (Tokens verifier : List.of(tokens, jjwtOnly)) {
            TokenException e = refusedSubscribe(verifier, withExp(exp));

            assertEquals(TokenException.Reason.MALFORMED, e.reason());
            assertEquals("exp " + Json.parseObject("{\"n\":" + exp + "}").get("n") + " is out of range: send a NumericDate,"
                    + " seconds since 1970 from 0 to 253402300799 (the end of year 9999)", e.getMessage());
        }
    }

    @Test
    void expAtTheEndOfYear9999IsAcceptedAndZeroIsAnHonestExpiry() throws Exception {
        for (Tokens verifier : List.of(tokens, jjwtOnly)) {
            assertEquals(Optional.of(Instant.parse("9999-12-31T23:59:59Z")),
                    verifier.verifySubscribe(withExp("253402300799")).expiresAt());
            TokenException e = refusedSubscribe(verifier, withExp("0"));
            assertEquals(TokenException.Reason.EXPIRED, e.reason());
            assertEquals("token expired at 1970-01-01T00:00:00Z", e.getMessage());
        }
    }

    @Test
    void fractionalExpIsAcceptedOnBothPathsAndCutToWholeSeconds() throws Exception {
        // RFC 7519 allows a non-integer NumericDate; jjwt reads whole seconds, and so does the fast path's fallback.
        SubscribeClaims fast = tokens.verifySubscribe(withExp((T_SECONDS + 60) + ".5"));
        SubscribeClaims slow = jjwtOnly.verifySubscribe(withExp((T_SECONDS + 60) + ".5"));
        TokenException expired = refusedSubscribe(tokens, withExp((T_SECONDS - 60) + ".999"));

        assertEquals(Optional.of(T.plusSeconds(60)), fast.expiresAt());
        assertEquals(slow, fast);
        assertEquals(List.of("user:1"), fast.channels());
        assertEquals("token expired at 2029-12-31T23:59:00Z", expired.getMessage());
        assertEquals(TokenException.Reason.EXPIRED, refusedSubscribe(jjwtOnly, withExp((T_SECONDS - 60) + ".999")).reason());
    }

    @Test
    void aBadExpUnderAForgedSignatureIsABadSignature() {
        String forged = b64("{\"alg\":\"HS512\"}") + "." + b64("{\"channels\":[\"a\"],\"exp\":\"soon\"}") + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[64]);

        assertEquals(TokenException.Reason.BAD_SIGNATURE, refusedSubscribe(tokens, forged).reason());
    }

    // ---- claims within Json's limits; no library text in a reason ----

    @Test
    void claimsNestedTooDeeplyOrWithTooLongANumberAreMalformed() throws Exception {
        String deep = handSigned(SECRET, "{\"alg\":\"HS512\"}", "{\"channels\":[\"a\"],\"x\":" + "[".repeat(100_000) + "}");
        String longNumber = handSigned(SECRET, "{\"alg\":\"HS512\"}", "{\"channels\":[\"a\"],\"x\":" + "1".repeat(101) + "}");

        for (Tokens verifier : List.of(tokens, jjwtOnly)) {
            TokenException e = refusedSubscribe(verifier, deep);
            assertEquals(TokenException.Reason.MALFORMED, e.reason());
            assertEquals("token is malformed: its claims are JSON nested deeper than 64 levels", e.getMessage());
            assertEquals("token is malformed: its claims are JSON with a number longer than 100 characters",
                    refusedSubscribe(verifier, longNumber).getMessage());
        }
    }

    @Test
    void headerNestedTooDeeplyIsMalformed() throws Exception {
        String token = handSigned(SECRET, "{\"alg\":\"HS512\",\"x\":" + "[".repeat(1000) + "]".repeat(1000) + "}",
                "{\"channels\":[\"a\"]}");

        assertEquals("token header is not base64url JSON", refusedSubscribe(tokens, token).getMessage());
    }

    @Test
    void jjwtsOwnTextNeverReachesTheReason() throws Exception {
        String crit = handSigned(SECRET, "{\"alg\":\"HS512\",\"crit\":[\"x\\nFAKE SEVERE forged\"]}", "{\"channels\":[\"a\"]}");
        String iat = handSigned(SECRET, "{\"alg\":\"HS512\"}", "{\"channels\":[\"a\"],\"iat\":\"yesterday\\nFAKE\"}");

        for (String token : List.of(crit, iat)) {
            TokenException e = refusedSubscribe(tokens, token);
            assertEquals(TokenException.Reason.MALFORMED, e.reason());
            assertEquals("token is malformed: a header parameter or a registered claim (iss, sub, aud, iat, nbf, jti) is"
                    + " not as RFC 7515 and RFC 7519 define it", e.getMessage());
        }
    }

    @Test
    void partsMustBeUnpaddedBase64UrlAndThePayloadUncompressed() {
        String plain = tokens.subscribeToken(List.of("a"), null);
        String compressed = Jwts.builder().json(new ParssonJwtJson.Writing()).claims(Map.of("channels", List.of("a"))).compressWith(Jwts.ZIP.DEF)
                .signWith(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA512"), Jwts.SIG.HS512)
                .compact();

        assertEquals("token is malformed: its payload and signature must be unpadded base64url",
                refusedSubscribe(tokens, plain + "==").getMessage());
        assertEquals("token is malformed: a compact JWS has three parts, header.payload.signature",
                refusedSubscribe(tokens, plain + ".").getMessage());
        assertEquals("token is malformed: its payload or its signature is empty",
                refusedSubscribe(tokens, plain.substring(0, plain.lastIndexOf('.') + 1)).getMessage());
        TokenException e = refusedSubscribe(tokens, compressed);
        assertEquals(TokenException.Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().startsWith("token is malformed: its claims are not valid JSON"), e.getMessage());
    }

    // ---- MISSING_CLAIM / INVALID_CLAIM: subscribe ----

    @Test
    void subscribeTokenWithoutChannelsMissesAClaim() {
        TokenException e = refusedSubscribe(tokens, tokens.mint(Map.of("channel", "user:1"), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.MISSING_CLAIM, e.reason());
        assertEquals("token has no \"channels\" claim", e.getMessage());
    }

    @Test
    void subscribeTokenWithNullChannelsMissesAClaim() throws Exception {
        TokenException e = refusedSubscribe(tokens, handSigned(SECRET, "{\"alg\":\"HS512\"}", "{\"channels\":null}"));

        assertEquals(TokenException.Reason.MISSING_CLAIM, e.reason());
    }

    @Test
    void channelsThatAreNotAnArrayAreInvalid() {
        TokenException e = refusedSubscribe(tokens, tokens.mint(Map.of("channels", "user:1"), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"channels\" claim is a string, expected an array of strings", e.getMessage());
    }

    @Test
    void channelsObjectIsInvalid() {
        TokenException e = refusedSubscribe(tokens,
                tokens.mint(Map.of("channels", Map.of("user:1", true)), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"channels\" claim is an object, expected an array of strings", e.getMessage());
    }

    @Test
    void channelEntryThatIsNotAStringIsInvalid() {
        TokenException e = refusedSubscribe(tokens, tokens.mint(Map.of("channels", List.of("user:1", 2)), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"channels\" entry is a number, expected a string", e.getMessage());
    }

    @Test
    void nullChannelEntryIsInvalid() throws Exception {
        TokenException e = refusedSubscribe(tokens,
                handSigned(SECRET, "{\"alg\":\"HS512\"}", "{\"channels\":[\"user:1\",null]}"));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"channels\" entry is null, expected a string", e.getMessage());
    }

    @Test
    void emptyChannelEntryIsInvalid() {
        TokenException e = refusedSubscribe(tokens, tokens.mint(Map.of("channels", List.of("")), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"channels\" entry must be 1 to 256 characters, got 0", e.getMessage());
    }

    @Test
    void tooLongChannelEntryIsInvalid() {
        String tooLong = "c".repeat(Tokens.MAX_CHANNEL_LENGTH + 1);
        TokenException e = refusedSubscribe(tokens, tokens.subscribeToken(List.of("user:1", tooLong), null));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"channels\" entry must be 1 to 256 characters, got 257", e.getMessage());
    }

    // ---- MISSING_CLAIM / INVALID_CLAIM: broadcast ----

    @Test
    void broadcastTokenWithoutChannelMissesAClaim() {
        TokenException e = refusedBroadcast(tokens, tokens.mint(Map.of("message", message("e", "d")), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.MISSING_CLAIM, e.reason());
        assertEquals("token has no \"channel\" claim (or \"channels\" for a batch)", e.getMessage());
    }

    @Test
    void broadcastTokenWithoutMessageMissesAClaim() {
        TokenException e = refusedBroadcast(tokens, tokens.mint(Map.of("channel", "user:1"), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.MISSING_CLAIM, e.reason());
        assertEquals("token has no \"message\" claim", e.getMessage());
    }

    @Test
    void batchTokenNamesEveryChannelInItsOrderWithItsJti() throws TokenException {
        BroadcastClaims claims = tokens.verifyBroadcast(tokens.mint(Map.of("channels", List.of("user:2", "user:1"),
                "message", message("e", "d"), "jti", "b7f3"), HmacAlgorithm.HS512));

        assertEquals(List.of("user:2", "user:1"), claims.channels());
        assertEquals(java.util.Optional.of("b7f3"), claims.jti());
        assertTrue(claims.batch());
    }

    @Test
    void aTokenWithoutJtiHasNone() throws TokenException {
        assertEquals(java.util.Optional.empty(), tokens.verifyBroadcast(tokens.broadcastToken("c", message("e", "d"),
                null)).jti());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{\"channel\":\"a\",\"channels\":[\"b\"]}", "{\"channels\":[]}", "{\"channels\":[\"a\",\"a\"]}",
            "{\"channels\":[\"a\",7]}", "{\"channels\":[\"a\",\"\"]}", "{\"channels\":\"a\"}", "{\"channels\":{}}",
            "{\"channel\":\"a\",\"jti\":\"\"}", "{\"channel\":\"a\",\"jti\":7}", "{\"channel\":\"a\",\"jti\":[\"x\"]}"})
    void malformedBatchesAndJtisAreClaimErrorsNamingWhatIsWrong(String claims) throws Exception {
        // Signed by hand: jjwt would refuse to mint some of these, or drop an empty jti.
        String payload = claims.substring(0, claims.length() - 1) + ",\"message\":{\"event\":\"e\",\"data\":\"d\"}}";
        TokenException e = refusedBroadcast(tokens, handSigned(SECRET, "{\"alg\":\"HS512\"}", payload));

        assertTrue(e.reason() == TokenException.Reason.INVALID_CLAIM || e.reason() == TokenException.Reason.MALFORMED,
                e.reason() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("channel") || e.getMessage().contains("jti"), e.getMessage());
    }

    @Test
    void aJtiOfMoreThan128CharactersIsRefused() {
        TokenException e = refusedBroadcast(tokens, tokens.mint(Map.of("channel", "c", "message", message("e", "d"),
                "jti", "j".repeat(Tokens.MAX_JTI_LENGTH + 1)), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertTrue(e.getMessage().contains("1 to 128"), e.getMessage());
    }

    @Test
    void subscribeTokenIsNotABroadcastToken() {
        TokenException e = refusedBroadcast(tokens, tokens.subscribeToken(List.of("user:1"), null));

        // Its "channels" reads as a batch's; what it lacks is a message.
        assertEquals(TokenException.Reason.MISSING_CLAIM, e.reason());
        assertEquals("token has no \"message\" claim", e.getMessage());
    }

    @Test
    void broadcastTokenIsNotASubscribeToken() {
        TokenException e = refusedSubscribe(tokens, tokens.broadcastToken("user:1", message("e", "d"), null));

        assertEquals(TokenException.Reason.MISSING_CLAIM, e.reason());
        assertEquals("token has no \"channels\" claim", e.getMessage());
    }

    @Test
    void channelThatIsNotAStringIsInvalid() {
        TokenException e = refusedBroadcast(tokens,
                tokens.mint(Map.of("channel", List.of("user:1"), "message", message("e", "d")), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"channel\" claim is an array, expected a string", e.getMessage());
    }

    @Test
    void emptyChannelIsInvalid() {
        TokenException e = refusedBroadcast(tokens, tokens.broadcastToken("", message("e", "d"), null));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"channel\" claim must be 1 to 256 characters, got 0", e.getMessage());
    }

    @Test
    void messageThatIsAStringIsInvalid() {
        // What Bifrost's own spec posts: a JSON-encoded message string instead of an object.
        TokenException e = refusedBroadcast(tokens, tokens.mint(
                Map.of("channel", "user:1", "message", "{\"event\":\"e\",\"data\":\"d\"}"), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"message\" claim is a string, expected an object like {\"event\":\"new_item\",\"data\":\"...\"}",
                e.getMessage());
    }

    @Test
    void messageThatIsAnArrayIsInvalid() {
        TokenException e = refusedBroadcast(tokens,
                tokens.mint(Map.of("channel", "user:1", "message", List.of("e")), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"message\" claim is an array, expected an object like {\"event\":\"new_item\",\"data\":\"...\"}",
                e.getMessage());
    }

    @Test
    void messageWithoutEventIsInvalid() {
        TokenException e = refusedBroadcast(tokens,
                tokens.mint(Map.of("channel", "user:1", "message", Map.of("data", "d")), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason());
        assertEquals("\"message\" has no string \"event\"; clients switch on it", e.getMessage());
    }

    @Test
    void messageWithEmptyOrNonStringEventIsInvalid() {
        for (Object event : new Object[] {"", 7L, List.of("e"), Map.of()}) {
            TokenException e = refusedBroadcast(tokens, tokens.mint(
                    Map.of("channel", "user:1", "message", Map.of("event", event, "data", "d")), HmacAlgorithm.HS512));
            assertEquals(TokenException.Reason.INVALID_CLAIM, e.reason(), String.valueOf(event));
            assertEquals("\"message\" has no string \"event\"; clients switch on it", e.getMessage());
        }
    }

    // ---- fast path: the same decisions as jjwt ----

    /**
     * What a verifier made of a token, comparable across the two paths: the claims and encoded frame it accepted, or
     * the refusal's reason and message.
     */
    record Outcome(Object claims, String frame, TokenException.Reason reason, String message) {
        static Outcome ofSubscribe(Tokens tokens, String token) {
            try {
                return new Outcome(tokens.verifySubscribe(token), null, null, null);
            } catch (TokenException e) {
                return new Outcome(null, null, e.reason(), e.getMessage());
            }
        }

        static Outcome ofBroadcast(Tokens tokens, String token) {
            try {
                BroadcastClaims claims = tokens.verifyBroadcast(token);
                return new Outcome(claims, claims.message().encode(), null, null);
            } catch (TokenException e) {
                return new Outcome(null, null, e.reason(), e.getMessage());
            }
        }
    }

    /** Verifies with the fast path and with jjwt alone; returns how many verifications the fast path accepted. */
    private long assertSameOutcomes(String token) {
        long before = tokens.fastAcceptances();
        assertEquals(Outcome.ofSubscribe(jjwtOnly, token), Outcome.ofSubscribe(tokens, token), "verifySubscribe");
        assertEquals(Outcome.ofBroadcast(jjwtOnly, token), Outcome.ofBroadcast(tokens, token), "verifyBroadcast");
        assertEquals(0, jjwtOnly.fastAcceptances(), "the fast path ran although it was off");
        return tokens.fastAcceptances() - before;
    }

    @Test
    void plainBroadcastTokenIsAcceptedByTheFastPath() throws Exception {
        String token = tokens.broadcastToken("user:1", message("e", "d"), Duration.ofMinutes(1));

        BroadcastClaims claims = tokens.verifyBroadcast(token);

        assertEquals(1, tokens.fastAcceptances());
        assertEquals(jjwtOnly.verifyBroadcast(token), claims);
        assertEquals(Optional.of(T.plusSeconds(60)), claims.expiresAt());
    }

    @ParameterizedTest
    @EnumSource(HmacAlgorithm.class)
    void validTokensOfEveryAlgorithmTakeTheFastPathWithTheSameClaims(HmacAlgorithm algorithm) {
        Map<String, Object> broadcast = new LinkedHashMap<>();
        broadcast.put("channel", "user:1");
        broadcast.put("message", message("new_item", "{\"id\":7}"));
        broadcast.put("exp", T_SECONDS + 3600);
        List<String> valid = List.of(
                tokens.mint(broadcast, algorithm),
                tokens.mint(Map.of("channels", List.of("user:1", "global")), algorithm),
                tokens.mint(Map.of("channels", List.of("a"), "exp", T_SECONDS + 2), algorithm),
                tokens.broadcastToken("global", message("e", "d"), Duration.ofHours(1)),
                tokens.broadcastToken("global", message("e", "d"), null),
                tokens.subscribeToken(List.of("user:1"), Duration.ofSeconds(60)),
                tokens.subscribeToken(List.of("a", "b"), null));

        for (String token : valid) {
            assertEquals(2, assertSameOutcomes(token), token);
        }
    }

    @Test
    void messageFrameIsByteIdenticalOnBothPaths() throws Exception {
        String message = "{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\",\"nested\":{\"a\":{\"b\":[],\"c\":{}}},"
                + "\"array\":[1,\"two\",[3,[4.0]],{\"x\":null}],\"unicode\":\"héllo ✓ 😀 \\u0000 \\\" \\\\ \\n \\u2028\","
                + "\"big\":123456789012345678901234567890,\"negativeBig\":-98765432109876543210,"
                + "\"longMax\":9223372036854775807,\"longMin\":-9223372036854775808,\"zero\":0,\"minusZero\":-0,"
                + "\"fraction\":1.50,\"exponent\":1E+3,\"small\":-2.5e-7,\"precise\":3.14159265358979323846264338327950,"
                + "\"yes\":true,\"no\":false,\"nothing\":null,\"zeta\":\"last key stays last\"}";
        String token = handSigned(SECRET, "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
                "{\"channel\":\"user:1\",\"message\":" + message + ",\"exp\":" + (T_SECONDS + 60) + "}");

        BroadcastClaims fast = tokens.verifyBroadcast(token);
        BroadcastClaims slow = jjwtOnly.verifyBroadcast(token);

        assertEquals(1, tokens.fastAcceptances());
        assertEquals(slow.message().encode(), fast.message().encode());
        assertEquals(List.copyOf(slow.message().body().keySet()), List.copyOf(fast.message().body().keySet()));
        assertEquals(slow, fast);
        assertEquals(Json.write(Json.parseObject(message)), fast.message().encode());
    }

    static Stream<Arguments> trickyTokens() throws Exception {
        Tokens minter = new Tokens(SECRET, at(T));
        Tokens other = new Tokens(OTHER_SECRET, at(T));
        String header = "{\"alg\":\"HS512\"}";
        String body = "\"channel\":\"user:1\",\"message\":{\"event\":\"e\",\"data\":\"d\"}";
        String plain = handSigned(SECRET, header, "{" + body + "}");
        String[] parts = plain.split("\\.");
        String hs256Signature = Base64.getUrlEncoder().withoutPadding().encodeToString(
                mac(SECRET, HmacAlgorithm.HS256, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII)));
        List<Arguments> cases = new ArrayList<>();
        cases.add(Arguments.of("plain", plain, true));
        cases.add(Arguments.of("typ header", handSigned(SECRET, "{\"typ\":\"JWT\",\"alg\":\"HS512\"}", "{" + body + "}"),
                true));
        // Headers no common encoding matches: the fast path parses them.
        cases.add(Arguments.of("spaced header with another typ", handSigned(SECRET, HmacAlgorithm.HS384,
                " { \"alg\" : \"HS384\", \"typ\" : \"at+jwt\" } ", "{" + body + "}"), true));
        cases.add(Arguments.of("header with an empty typ", handSigned(SECRET, HmacAlgorithm.HS256,
                "{\"typ\":\"\",\"alg\":\"HS256\"}", "{" + body + "}"), true));
        for (HmacAlgorithm algorithm : HmacAlgorithm.values()) {
            cases.add(Arguments.of("another secret " + algorithm,
                    other.mint(Map.of("channel", "c", "message", message("e", "d")), algorithm), false));
        }
        cases.add(Arguments.of("signature of HS256 length under HS512", parts[0] + "." + parts[1] + "." + hs256Signature,
                false));
        cases.add(Arguments.of("signature one character short", plain.substring(0, plain.length() - 1), false));
        cases.add(Arguments.of("signature four characters short", plain.substring(0, plain.length() - 4), false));
        cases.add(Arguments.of("signature one character long", plain + "A", false));
        cases.add(Arguments.of("signature with padding", plain + "==", false));
        cases.add(Arguments.of("signature with a non-base64url character", plain.substring(0, plain.length() - 1) + "+",
                false));
        cases.add(Arguments.of("unused bits of the signature's last character set",
                plain.substring(0, plain.length() - 1) + (char) (plain.charAt(plain.length() - 1) + 1), true));
        cases.add(Arguments.of("padded base64 everywhere", paddedHandSigned("{\"alg\":\"HS256\",\"typ\":\"JW\"}",
                "{\"channels\":[\"u\"],\"message\":{\"event\":\"e\"}}"), false));
        cases.add(Arguments.of("unused bits of the payload's last character set", nonCanonicalPayload(header, body),
                true));
        for (String extra : new String[] {"\"kid\":\"k1\"", "\"crit\":[\"exp\"]", "\"zip\":\"DEF\"", "\"cty\":\"JWT\"",
                "\"b64\":false", "\"typ\":1", "\"typ\":null", "\" alg\":\"HS512\""}) {
            cases.add(Arguments.of("header with " + extra,
                    handSigned(SECRET, "{\"alg\":\"HS512\"," + extra + "}", "{" + body + "}"), false));
        }
        cases.add(Arguments.of("alg none", b64("{\"alg\":\"none\"}") + "." + b64("{" + body + "}") + ".", false));
        cases.add(Arguments.of("alg none with a signature", b64("{\"alg\":\"none\"}") + "." + parts[1] + "." + parts[2],
                false));
        cases.add(Arguments.of("alg RS256", b64("{\"alg\":\"RS256\"}") + "." + parts[1] + "." + parts[2], false));
        cases.add(Arguments.of("alg hs512", handSigned(SECRET, "{\"alg\":\"hs512\"}", "{" + body + "}"), false));
        cases.add(Arguments.of("alg HS512 with a space", handSigned(SECRET, "{\"alg\":\" HS512\"}", "{" + body + "}"),
                false));
        cases.add(Arguments.of("alg HS256, signed with HS512", b64("{\"alg\":\"HS256\"}") + "." + parts[1] + "."
                + parts[2], false));
        for (long exp : new long[] {T_SECONDS - 3600, T_SECONDS - 1, T_SECONDS, T_SECONDS + 1}) {
            cases.add(Arguments.of("exp " + (exp - T_SECONDS) + " s from now",
                    handSigned(SECRET, header, "{" + body + ",\"exp\":" + exp + "}"), false));
        }
        cases.add(Arguments.of("exp 2 s from now", handSigned(SECRET, header, "{" + body + ",\"exp\":" + (T_SECONDS + 2)
                + "}"), true));
        for (String exp : new String[] {"\"" + (T_SECONDS + 60) + "\"", "\"2030-01-01T01:00:00Z\"", "\"soon\"",
                (T_SECONDS + 60) + ".5", (T_SECONDS + 60) + ".0", "1e10", "null", "true", "[]", "{}", "\"\"",
                "9223372036854775807", "9223372036854775", "-9223372036854776", "-1", "100000000000000000000"}) {
            cases.add(Arguments.of("exp " + exp, handSigned(SECRET, header, "{" + body + ",\"exp\":" + exp + "}"), false));
        }
        for (String claim : new String[] {"\"nbf\":" + (T_SECONDS + 3600), "\"nbf\":" + (T_SECONDS - 3600),
                "\"nbf\":\"x\"", "\"iat\":" + T_SECONDS, "\"iat\":\"yesterday\"", "\"iss\":\"me\"", "\"iss\":7",
                "\"sub\":[]", "\"aud\":[\"a\",\"b\"]", "\"aud\":3", "\"jti\":{}", "\"jti\":7", "\" exp\":1",
                "\"exp \":" + (T_SECONDS - 1), "\"\":1", "\" \":1", "\"\\tchannel\":\"x\""}) {
            cases.add(Arguments.of("claim " + claim, handSigned(SECRET, header, "{" + body + "," + claim + "}"), false));
        }
        // A string jti is every Java client's: it stays on the fast path, decided as jjwt decides.
        cases.add(Arguments.of("claim \"jti\":\"id\"", handSigned(SECRET, header, "{" + body + ",\"jti\":\"id\"}"), true));
        // U+00A0 is no Character.isWhitespace, so jjwt keeps the name as it is, and so may the fast path.
        cases.add(Arguments.of("claim named with a trailing no-break space", handSigned(SECRET, header,
                "{" + body + ",\"channel\\u00a0\":\"y\"}"), true));
        for (String payload : new String[] {"[]", "[{}]", "\"x\"", "42", "null", "abc", "", " ", "{", "{} x",
                "\uFEFF{" + body + "}"}) {
            cases.add(Arguments.of("payload " + payload, handSigned(SECRET, header, payload), false));
        }
        cases.add(Arguments.of("payload with whitespace around", handSigned(SECRET, header, " \n{" + body + "}\t "),
                true));
        cases.add(Arguments.of("payload with duplicate channel", handSigned(SECRET, header,
                "{\"channel\":\"a\",\"channels\":[\"a\"],\"channel\":\"b\",\"channels\":[\"b\"],\"message\":{\"event\":\"e\","
                        + "\"data\":1,\"event\":\"f\"}}"), true));
        cases.add(Arguments.of("payload with duplicate exp", handSigned(SECRET, header,
                "{" + body + ",\"exp\":" + (T_SECONDS + 60) + ",\"exp\":" + (T_SECONDS - 60) + "}"), false));
        cases.add(Arguments.of("payload with a null channel", handSigned(SECRET, header,
                "{\"channel\":null,\"channels\":null,\"message\":null}"), true));
        cases.add(Arguments.of("payload of invalid UTF-8", signed(SECRET, HmacAlgorithm.HS512, b64(header) + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(
                        new byte[] {'{', '"', 'c', (byte) 0xC3, '(', '"', ':', '1', '}'})), false));
        cases.add(Arguments.of("payload with a replacement character", handSigned(SECRET, header,
                "{" + body + ",\"x\":\"\uFFFD\"}"), false));
        cases.add(Arguments.of("header of invalid UTF-8", signed(SECRET, HmacAlgorithm.HS512,
                Base64.getUrlEncoder().withoutPadding().encodeToString(
                        new byte[] {'{', '"', 'a', 'l', 'g', '"', ':', '"', 'H', 'S', '5', '1', '2', '"', ',', '"',
                                (byte) 0xFF, '"', ':', '1', '}'}) + "." + b64("{" + body + "}")), false));
        cases.add(Arguments.of("truncated after the payload", parts[0] + "." + parts[1], false));
        cases.add(Arguments.of("truncated after the payload's dot", parts[0] + "." + parts[1] + ".", false));
        cases.add(Arguments.of("truncated after the header", parts[0] + ".", false));
        cases.add(Arguments.of("truncated in the payload", parts[0] + "." + parts[1].substring(0, 10), false));
        cases.add(Arguments.of("empty payload", signed(SECRET, HmacAlgorithm.HS512, parts[0] + "."), false));
        cases.add(Arguments.of("extra dot at the end", plain + ".", false));
        cases.add(Arguments.of("extra part", plain + ".e30", false));
        cases.add(Arguments.of("five parts", plain + ".e30.e30", false));
        cases.add(Arguments.of("doubled dot", parts[0] + ".." + parts[1] + "." + parts[2], false));
        cases.add(Arguments.of("leading space", " " + plain, false));
        cases.add(Arguments.of("trailing newline", plain + "\n", false));
        cases.add(Arguments.of("empty", "", false));
        cases.add(Arguments.of("null", null, false));
        cases.add(Arguments.of("channel that is a number", minter.mint(Map.of("channel", 7, "message", message("e", "d")),
                HmacAlgorithm.HS384), true));
        cases.add(Arguments.of("message without event", minter.mint(Map.of("channel", "c", "message", Map.of("data", "d")),
                HmacAlgorithm.HS256), true));
        cases.add(Arguments.of("channels with a null entry", handSigned(SECRET, header, "{\"channels\":[\"a\",null]}"),
                true));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trickyTokens")
    void trickyTokensAreDecidedExactlyAsJjwtDecides(String name, String token, boolean fast) {
        long fastAcceptances = assertSameOutcomes(token);

        assertEquals(fast ? 2 : 0, fastAcceptances, fast ? "the fast path should have accepted this token"
                : "the fast path accepted a token it must leave to jjwt");
    }

    @Test
    void macsAreReusedAcrossVerificationsAndThreads() throws Exception {
        String token = tokens.broadcastToken("c", message("e", "d"), Duration.ofHours(1));
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 16; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int j = 0; j < 200; j++) {
                        assertEquals(List.of("c"), tokens.verifyBroadcast(token).channels());
                        assertEquals(TokenException.Reason.BAD_SIGNATURE,
                                refusedBroadcast(tokens, token.substring(0, token.length() - 2) + "AA").reason());
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }

        assertEquals(List.of(), failures);
        assertEquals(16 * 200, tokens.fastAcceptances());
    }

    /** Header and payload base64url-encoded with '=' padding, as a careless library might, and signed so. */
    private static String paddedHandSigned(String headerJson, String payloadJson) throws Exception {
        Base64.Encoder padded = Base64.getUrlEncoder();
        String signingInput = padded.encodeToString(headerJson.getBytes(StandardCharsets.UTF_8)) + "."
                + padded.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
        assertTrue(signingInput.contains("="), signingInput);
        return signingInput + "." + padded.encodeToString(
                mac(SECRET, HmacAlgorithm.HS256, signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    /** A payload whose last base64url character has unused low bits set: it decodes to the same bytes. */
    private static String nonCanonicalPayload(String headerJson, String body) throws Exception {
        String payload = "{" + body + "}";
        while (payload.getBytes(StandardCharsets.UTF_8).length % 3 != 1) {
            payload += " ";
        }
        String encoded = b64(payload);
        char last = encoded.charAt(encoded.length() - 1);
        String tweaked = encoded.substring(0, encoded.length() - 1) + (char) (last + 1);
        assertArrayEquals(Base64.getUrlDecoder().decode(encoded), Base64.getUrlDecoder().decode(tweaked));
        return signed(SECRET, HmacAlgorithm.HS512, b64(headerJson) + "." + tweaked);
    }

    // ---- secret ----

    @Test
    void shortSecretIsRefusedNaming64() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Tokens("x".repeat(63)));

        assertEquals("JWT secret is 63 bytes; HS512 needs at least 64 (generate one with: openssl rand -hex 64)",
                e.getMessage());
    }

    @Test
    void secretLengthIsCountedInUtf8Bytes() throws Exception {
        // 32 × "é" is 32 characters but 64 bytes; 31 × "é" plus one ASCII character is 63 bytes.
        Tokens accepted = new Tokens("é".repeat(32), at(T));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Tokens("é".repeat(31) + "x"));

        assertEquals(List.of("u"), accepted.verifySubscribe(accepted.subscribeToken(List.of("u"), null)).channels());
        assertTrue(e.getMessage().startsWith("JWT secret is 63 bytes; HS512 needs at least 64"), e.getMessage());
    }

    @Test
    void reasonLabelsAreLowercase() {
        assertEquals("bad_signature", TokenException.Reason.BAD_SIGNATURE.label());
        assertEquals("unsupported_algorithm", TokenException.Reason.UNSUPPORTED_ALGORITHM.label());
    }

    /** A clock the test moves by hand: no sleeping. */
    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
