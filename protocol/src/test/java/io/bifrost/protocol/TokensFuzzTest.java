package io.bifrost.protocol;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.bifrost.protocol.testkit.Fuzz;

import org.junit.jupiter.api.Test;

import static io.bifrost.protocol.TokensTest.Outcome;
import static io.bifrost.protocol.TokensTest.SECRET;
import static io.bifrost.protocol.TokensTest.T;
import static io.bifrost.protocol.TokensTest.T_SECONDS;
import static io.bifrost.protocol.TokensTest.at;
import static io.bifrost.protocol.TokensTest.b64;
import static io.bifrost.protocol.TokensTest.signed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast path and jjwt decide every token alike: tokens minted with varied headers, claims and algorithms, then
 * mutated (characters flipped, inserted, deleted; payloads edited and signed again with the right key, so the
 * signature holds and the claims are odd; algorithms swapped; padding, truncation, extra parts).
 */
class TokensFuzzTest {
    private static final String[] HEADERS = {
        "{\"alg\":\"%s\"}", "{\"alg\":\"%s\",\"typ\":\"JWT\"}", "{\"typ\":\"JWT\",\"alg\":\"%s\"}",
        " { \"alg\" : \"%s\" , \"typ\" : \"at+jwt\" } ", "{\"alg\":\"%s\",\"typ\":\"\"}", "{\"alg\":\"%s\",\"kid\":\"k1\"}",
        "{\"alg\":\"%s\",\"typ\":1}", "{\"alg\":\"%s\",\"typ\":null}", "{\"alg\":\"%s\",\"crit\":[\"exp\"],\"exp\":1}",
        "{\"alg\":\"%s\",\"crit\":[\"b64\"],\"b64\":false}", "{\"alg\":\"%s\",\"b64\":false}", "{\"alg\":\"%s\",\"zip\":\"DEF\"}",
        "{\"alg\":\"%s\",\"cty\":\"JWT\"}", "{\"alg\":\"%s\",\"exp\":\"soon\"}", "{\"alg\":\"HS256\",\"alg\":\"%s\"}",
        "{\"alg\":\"%s\",\"x\":[[[[[[[[]]]]]]]]}", "{\"alg\":\"%s\",\"x\":1e999999999}", "{\"alg\":\" %s\"}", "{\"alg\":\"none\"}",
        "{\"alg\":\"None\",\"typ\":\"JWT\"}", "{\"alg\":\"RS256\"}", "{\"alg\":\"hs512\"}", "{}", "[]", "{\"alg\":\"%s\"",
    };
    private static final String[] ODD_EXPS = {
        "\"" + (T_SECONDS + 60) + "\"", "\"2030-01-01T01:00:00Z\"", "\"soon\"", "null", "true", "[]", "{}", "-1", "-0", "0",
        "-0.5", (T_SECONDS + 60) + ".5", (T_SECONDS - 60) + ".5", "253402300799", "253402300800", "9223372036854775807",
        "9223372036854775808", "1e300", "1e999999999", "1E+3", (T_SECONDS + 3600) + ".000", "1e2147483649",
        "1" + "0".repeat(100),
    };
    // Registered claims as issuers write them: the fast path leaves these tokens to jjwt, which accepts them.
    private static final String[] REGISTERED_CLAIMS = {
        "\"iat\":" + T_SECONDS, "\"nbf\":" + (T_SECONDS - 3600), "\"iss\":\"me\"", "\"sub\":\"user:1\"",
        "\"aud\":[\"a\",\"b\"]", "\"jti\":\"id\"",
    };
    private static final String[] EXTRA_CLAIMS = {
        "\"iat\":\"yesterday\"", "\"nbf\":" + (T_SECONDS + 3600), "\"nbf\":\"x\"", "\"iss\":7", "\"sub\":[]", "\"aud\":3",
        "\" exp\":1", "\"\":1", "\"channel\\u00a0\":\"y\"", "\"x\":1e999999999", "\"x\":" + "7".repeat(101),
        "\"x\":" + "[".repeat(70) + "]".repeat(70), "\"exp\":" + (T_SECONDS - 60), "\"x\":\"\\ud800\"",
    };
    private static final char[] INTERESTING = {'.', '=', ' ', '+', '/', '-', '_', '\n', '"', '{', '}', '[', ']', ':', ',',
        '0', '1', '9', 'e', 'E', '\\', '\u0000', 'é', '\uFFFD', 'A', 'a', 'z', 'Q'};

    private final Tokens fast = new Tokens(SECRET, at(T));
    private final Tokens jjwtOnly = new Tokens(SECRET, at(T), false);

    @Test
    void fastPathAndJjwtDecideEveryTokenAlike() {
        // A fuzzer that never reaches an acceptance, on either path, proves nothing about them.
        Fuzz fuzz = Fuzz.property("fastPathAndJjwtDecideEveryTokenAlike", 3000)
                .requires("path", "fast path", 20)
                .requires("path", "jjwt accepted", 5);
        fuzz.forAll(TokensFuzzTest::token, fuzzed -> {
            String token = fuzzed.token();
            long fastBefore = fast.fastAcceptances();

            Outcome subscribe = Outcome.ofSubscribe(fast, token);
            Outcome broadcast = Outcome.ofBroadcast(fast, token);

            assertEquals(Outcome.ofSubscribe(jjwtOnly, token), subscribe, "verifySubscribe");
            assertEquals(Outcome.ofBroadcast(jjwtOnly, token), broadcast, "verifyBroadcast");
            if (subscribe.claims() != null || broadcast.claims() != null) {
                assertAcceptedExpIsANumericDateInRange(token);
            }
            if (subscribe.claims() instanceof SubscribeClaims claims) {
                assertFalse(claims.channels().isEmpty(), "a subscribe token without channels was accepted");
            }
            fuzz.collect("subscribe", subscribe.reason() == null ? "accepted" : subscribe.reason().label());
            fuzz.collect("broadcast", broadcast.reason() == null ? "accepted" : broadcast.reason().label());
            boolean accepted = subscribe.claims() != null || broadcast.claims() != null;
            fuzz.collect("path", fast.fastAcceptances() > fastBefore ? "fast path" : accepted ? "jjwt accepted"
                    : "refused");
        });
    }

    private static void assertAcceptedExpIsANumericDateInRange(String token) throws Exception {
        String payload = token.split("\\.")[1];
        Map<String, Object> claims = Json.parseObject(new String(Base64.getUrlDecoder().decode(payload),
                StandardCharsets.UTF_8));
        if (claims.containsKey("exp")) {
            assertTrue(claims.get("exp") instanceof Number, "accepted exp " + claims.get("exp"));
            BigDecimal exp = new BigDecimal(claims.get("exp").toString());
            assertTrue(exp.signum() >= 0 && exp.compareTo(BigDecimal.valueOf(Tokens.MAX_EXP_SECONDS)) <= 0,
                    "accepted exp " + exp);
        }
    }

    // Half stay as minted, so acceptances are common enough to compare.
    private static Case token(Random random) {
        List<Edit> edits = new ArrayList<>();
        if (random.nextBoolean()) {
            for (int n = Fuzz.between(random, 1, 3); n > 0; n--) {
                char c = random.nextInt(4) < 3 ? INTERESTING[random.nextInt(INTERESTING.length)] : Fuzz.anyChar(random);
                edits.add(new Edit(Fuzz.pick(random, Edit.Kind.values()), random.nextInt(10_001), c));
            }
        }
        return new Case(draft(random), edits);
    }

    private static Draft draft(Random random) {
        HmacAlgorithm algorithm = Fuzz.pick(random, HmacAlgorithm.values());
        String header = random.nextInt(3) < 2 ? HEADERS[random.nextInt(3)] : Fuzz.pick(random, HEADERS);
        String payload = payload(random);
        // Now and then signed with another algorithm than the header names.
        HmacAlgorithm signWith = random.nextInt(10) == 0 ? Fuzz.pick(random, HmacAlgorithm.values()) : algorithm;
        return new Draft(header.formatted(algorithm.name()), payload, signWith);
    }

    private static String payload(Random random) {
        if (random.nextInt(21) == 0) {
            return Fuzz.pick(random, "[]", "\"x\"", "42", "null", "abc", "", " ", "{", "{} x", "\uFEFF{}");
        }
        List<String> parts = new ArrayList<>();
        if (random.nextDouble() < 0.7) {
            parts.add("\"channels\":" + (random.nextInt(7) < 6 ? channelNames(random)
                    : Fuzz.pick(random, "[]", "\"a\"", "null", "[1]", "[null]", "{}", "[\"a\",\"a\"]")));
        }
        if (random.nextDouble() < 0.6) {
            parts.add("\"channel\":" + (random.nextInt(7) < 6 ? Json.quote(channelName(random))
                    : Fuzz.pick(random, "7", "null", "[\"a\"]", "\"\"")));
        }
        if (random.nextDouble() < 0.6) {
            parts.add("\"message\":" + (random.nextInt(7) < 6
                    ? Fuzz.pick(random, "{\"event\":\"e\",\"data\":\"d\"}",
                            "{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\"}",
                            "{\"data\":1,\"event\":\"x\",\"n\":[1.50,-0,1E+3,123456789012345678901234567890]}")
                    : Fuzz.pick(random, "\"{\\\"event\\\":\\\"e\\\"}\"", "{}", "{\"event\":\"\"}", "[1]", "null",
                            "{\"event\":\"e\",\"x\":" + "[".repeat(63) + "]".repeat(63) + "}")));
        }
        if (random.nextDouble() < 0.6) {
            parts.add("\"exp\":" + switch (random.nextInt(3)) {
                case 0 -> String.valueOf(T_SECONDS - 5 + Fuzz.between(random, 0, 10));
                case 1 -> String.valueOf(Fuzz.pick(random, T_SECONDS + 3600, T_SECONDS - 3600));
                default -> Fuzz.pick(random, ODD_EXPS);
            });
        }
        if (random.nextDouble() < 0.3) {
            for (int n = Fuzz.between(random, 1, 2); n > 0; n--) {
                parts.add(Fuzz.pick(random, REGISTERED_CLAIMS));
            }
        }
        if (random.nextDouble() < 0.15) {
            for (int n = Fuzz.between(random, 1, 2); n > 0; n--) {
                parts.add(Fuzz.pick(random, EXTRA_CLAIMS));
            }
        }
        Collections.shuffle(parts, random);
        String space = Fuzz.pick(random, "", " ", "\n\t");
        return space + "{" + String.join("," + space, parts) + "}" + space;
    }

    private static String channelNames(Random random) {
        List<String> names = new ArrayList<>();
        for (int n = Fuzz.between(random, 1, 3); n > 0; n--) {
            names.add(channelName(random));
        }
        return Json.write(names);
    }

    private static String channelName(Random random) {
        return switch (Fuzz.weighted(random, 8, 1, 1)) {
            case 0 -> Fuzz.string(random, "abcuser:1-_", 1, 8);
            // Any of these chars alone, a lone surrogate half included.
            case 1 -> Fuzz.string(random, "aé😀\u0000\u2028 \"\\", 0, 4);
            default -> Fuzz.pick(random, "c".repeat(256), "c".repeat(257));
        };
    }

    /**
     * What a token is minted from.
     *
     * @param header   header JSON
     * @param payload  payload text
     * @param signWith the algorithm of the signature, usually the header's
     */
    record Draft(String header, String payload, HmacAlgorithm signWith) {
        String token() throws Exception {
            return signed(SECRET, signWith, b64(header) + "." + b64(payload));
        }
    }

    /**
     * One change to a draft (signed again afterwards) or to the token's text.
     *
     * @param kind what changes
     * @param at   where, modulo the length
     * @param c    the character put in
     */
    record Edit(Kind kind, int at, char c) {
        enum Kind {
            PAYLOAD_REPLACED_AND_SIGNED, PAYLOAD_INSERTED_AND_SIGNED, PAYLOAD_DELETED_AND_SIGNED, HEADER_INSERTED_AND_SIGNED,
            SIGNED_WITH_ANOTHER_ALGORITHM, REPLACED, INSERTED, DELETED, PADDED, TRUNCATED, EXTRA_PART
        }

        Draft apply(Draft draft) {
            return switch (kind) {
                case PAYLOAD_REPLACED_AND_SIGNED -> new Draft(draft.header(), replace(draft.payload()), draft.signWith());
                case PAYLOAD_INSERTED_AND_SIGNED -> new Draft(draft.header(), insert(draft.payload()), draft.signWith());
                case PAYLOAD_DELETED_AND_SIGNED -> new Draft(draft.header(), delete(draft.payload()), draft.signWith());
                case HEADER_INSERTED_AND_SIGNED -> new Draft(insert(draft.header()), draft.payload(), draft.signWith());
                case SIGNED_WITH_ANOTHER_ALGORITHM -> new Draft(draft.header(), draft.payload(),
                        HmacAlgorithm.values()[(draft.signWith().ordinal() + 1 + at % 2) % 3]);
                default -> draft;
            };
        }

        String apply(String token) {
            return switch (kind) {
                case REPLACED -> replace(token);
                case INSERTED -> insert(token);
                case DELETED -> delete(token);
                case PADDED -> {
                    String[] parts = token.split("\\.", -1);
                    parts[at % parts.length] += at % 2 == 0 ? "=" : "==";
                    yield String.join(".", parts);
                }
                case TRUNCATED -> token.substring(0, at % (token.length() + 1));
                case EXTRA_PART -> token + (at % 2 == 0 ? ".e30" : ".");
                default -> token;
            };
        }

        private String replace(String text) {
            if (text.isEmpty()) {
                return String.valueOf(c);
            }
            int i = at % text.length();
            return text.substring(0, i) + c + text.substring(i + 1);
        }

        private String insert(String text) {
            int i = at % (text.length() + 1);
            return text.substring(0, i) + c + text.substring(i);
        }

        private String delete(String text) {
            if (text.isEmpty()) {
                return text;
            }
            int i = at % text.length();
            return text.substring(0, i) + text.substring(i + 1);
        }
    }

    /**
     * A draft and the edits made to it, shown with the token when a property fails.
     *
     * @param draft the draft
     * @param edits the edits, drafts' first
     */
    record Case(Draft draft, List<Edit> edits) {
        String token() throws Exception {
            Draft edited = draft;
            for (Edit edit : edits) {
                edited = edit.apply(edited);
            }
            String token = edited.token();
            for (Edit edit : edits) {
                token = edit.apply(token);
            }
            return token;
        }

        @Override
        public String toString() {
            try {
                return "Case[draft=" + draft + ", edits=" + edits + ", token=" + token() + "]";
            } catch (Exception e) {
                return "Case[draft=" + draft + ", edits=" + edits + "]";
            }
        }
    }
}
