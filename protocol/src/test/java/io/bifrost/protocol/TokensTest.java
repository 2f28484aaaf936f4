package io.bifrost.protocol;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

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
        String signingInput = b64(headerJson) + "." + b64(payloadJson);
        Mac mac = Mac.getInstance("HmacSHA512");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA512"));
        byte[] signature = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
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

        assertEquals("user:1", claims.channel());
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
    void emptyChannelListIsAllowed() throws Exception {
        assertEquals(List.of(), tokens.verifySubscribe(tokens.subscribeToken(List.of(), null)).channels());
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
        assertEquals("token is signed with " + alg + "; only HS256, HS384 and HS512 are accepted", e.getMessage());
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
        assertEquals("token has no \"channel\" claim", e.getMessage());
    }

    @Test
    void broadcastTokenWithoutMessageMissesAClaim() {
        TokenException e = refusedBroadcast(tokens, tokens.mint(Map.of("channel", "user:1"), HmacAlgorithm.HS512));

        assertEquals(TokenException.Reason.MISSING_CLAIM, e.reason());
        assertEquals("token has no \"message\" claim", e.getMessage());
    }

    @Test
    void subscribeTokenIsNotABroadcastToken() {
        TokenException e = refusedBroadcast(tokens, tokens.subscribeToken(List.of("user:1"), null));

        assertEquals(TokenException.Reason.MISSING_CLAIM, e.reason());
        assertEquals("token has no \"channel\" claim", e.getMessage());
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
