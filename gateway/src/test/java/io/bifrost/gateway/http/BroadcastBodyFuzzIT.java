package io.bifrost.gateway.http;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.protocol.Json;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Statistics;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random and mutated {@code POST /broadcast} bodies over real HTTP to one embedded gateway: never a 5xx, a 4xx always
 * with a JSON error of ours, and a socket on another channel still gets the valid broadcast sent after each.
 */
class BroadcastBodyFuzzIT {
    private static final String BYSTANDER = "bystander";
    private static final String CHANNEL = "fuzz";
    private static final List<String> MESSAGES = List.of(
            "{\"event\":\"e\",\"data\":\"d\"}",
            "{\"event\":\"e\",\"data\":{\"n\":[1.50,-0,1E+3,123456789012345678901234567890]}}",
            "{\"event\":\"e\",\"x\":" + "[".repeat(62) + "]".repeat(62) + "}",
            "{\"event\":\"e\",\"x\":" + "[".repeat(63) + "]".repeat(63) + "}",
            "{\"event\":\"e\",\"x\":" + "[".repeat(200) + "]".repeat(200) + "}",
            "{\"event\":\"e\",\"n\":" + "9".repeat(100) + "}",
            "{\"event\":\"e\",\"n\":" + "9".repeat(101) + "}",
            "{\"event\":\"e\",\"n\":1e999999999}",
            "{\"event\":\"e\",\"n\":1e2147483649}",
            "{\"data\":\"no event\"}",
            "\"{\\\"event\\\":\\\"e\\\"}\"");
    private static final List<String> EXPS = List.of("", ",\"exp\":4102444800", ",\"exp\":\"4102444800\"",
            ",\"exp\":1e300", ",\"exp\":9223372036854775808", ",\"exp\":-1", ",\"exp\":4102444800.5", ",\"exp\":1000000000",
            ",\"exp\":null");
    private static final char[] INTERESTING = {'{', '}', '[', ']', '"', ':', ',', '\\', '.', '=', '-', 'e', '0', '9', ' ',
        '\n', '\u0000', 'é', '\u2028', '\uD83D'};

    private Gateway gateway;
    private WsClient bystander;
    private HttpClient http;
    private int round;

    @BeforeProperty
    void start() throws IOException {
        // Bodies up to a megabyte, so nesting 100,000 deep reaches the JSON parser instead of the size limit.
        gateway = TestGateway.start(Limits.DEFAULTS.withMaxBodyBytes(1 << 20));
        bystander = TestGateway.subscriber(gateway, BYSTANDER);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterProperty
    void stop() {
        if (bystander != null) {
            bystander.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Property(tries = 300)
    void anyBodyGetsOurAnswerNeverA5xxAndHarmsNoSocket(@ForAll("bodies") Body body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri().resolve("/broadcast")).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        if (body.contentType() != null) {
            request.header("Content-Type", body.contentType());
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());

        int status = response.statusCode();
        assertTrue(status < 500, status + " " + response.body());
        if (status == 200) {
            assertTrue(response.body().startsWith("{\"message\":\"Success\",\"deliveries\":"), response.body());
        } else {
            assertTrue(status >= 400, status + " " + response.body());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                    response.headers().toString());
            Map<String, Object> error = Json.parseObject(response.body());
            assertInstanceOf(String.class, error.get("error"), response.body());
            // Our texts, never a library's: no exception class, no package name.
            for (String leak : List.of("Exception", "java.", "jakarta", "parsson", "jsonwebtoken", "helidon", "\tat ")) {
                assertFalse(response.body().contains(leak), response.body());
            }
        }
        String data = "after-" + ++round;
        TestGateway.Reply valid = TestGateway.broadcast(gateway, BYSTANDER, "e", data);
        assertEquals("{\"message\":\"Success\",\"deliveries\":1}", valid.body());
        assertEquals("{\"event\":\"e\",\"data\":\"" + data + "\"}", bystander.nextText(WAIT));
        Statistics.label("status").collect(status);
    }

    @Provide
    Arbitrary<Body> bodies() {
        Arbitrary<String> contentTypes = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just("application/json")),
                Tuple.of(1, Arbitraries.of("application/json; charset=utf-8", "text/plain", "application/json;;x",
                        "application/*", "")),
                Tuple.of(1, Arbitraries.just((String) null)));
        Arbitrary<byte[]> bytes = Arbitraries.frequencyOf(
                Tuple.of(12, Combinators.combine(texts(), edits().list().ofMaxSize(3)).as((text, edits) -> {
                    for (Edit edit : edits) {
                        text = edit.apply(text);
                    }
                    return text.getBytes(StandardCharsets.UTF_8);
                })),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)));
        return Combinators.combine(contentTypes, bytes).as(Body::new);
    }

    private Arbitrary<String> texts() {
        Arbitrary<String> tokens = Combinators.combine(Arbitraries.of(MESSAGES), Arbitraries.of(EXPS))
                .as((message, exp) -> token("{\"channel\":\"" + CHANNEL + "\",\"message\":" + message + exp + "}"));
        Arbitrary<String> deep = Combinators.combine(Arbitraries.of(60, 63, 64, 65, 70, 1_000, 100_000),
                        Arbitraries.of("[", "{\"a\":"), Arbitraries.of(true, false))
                .as((levels, open, closed) -> "{\"token\":\"x\",\"x\":" + open.repeat(levels - 1) + "1"
                        + (closed ? (open.equals("[") ? "]" : "}").repeat(levels - 1) : "") + "}");
        return Arbitraries.frequencyOf(
                Tuple.of(8, tokens.map(token -> "{\"token\":\"" + token + "\"}")),
                Tuple.of(2, tokens.map(token -> " {\"x\":[1,{}],\"token\" : \"" + token + "\",\"token\":\"" + token + "\"} ")),
                Tuple.of(2, deep),
                Tuple.of(1, Arbitraries.of("{\"token\":" + "1".repeat(101) + "}", "{\"token\":1e2147483649}",
                        "{\"token\":1e999999999}", "{\"token\":[\"a.b.c\"]}", "{\"token\":null}", "{}", "[]", "",
                        "null", "{\"token\":\"a.b.c\"}", "{\"token\":\"\"}", "{\"token\":\"x\"", "\uFEFF{\"token\":\"x\"}")),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(30)));
    }

    private static Arbitrary<Edit> edits() {
        Arbitrary<Character> characters = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(INTERESTING)),
                Tuple.of(1, Arbitraries.chars()));
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 1_000_000),
                characters).as(Edit::new);
    }

    // Signed with the gateway's secret by hand, so the claims can be any JSON text.
    private static String token(String payload) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String input = b64.encodeToString("{\"alg\":\"HS512\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            mac.init(new SecretKeySpec(TestGateway.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA512"));
            return input + "." + b64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A request body and its content type.
     *
     * @param contentType the Content-Type header, or null for none
     * @param bytes       the body
     */
    record Body(String contentType, byte[] bytes) {
        @Override
        public String toString() {
            String text = new String(bytes, StandardCharsets.UTF_8);
            return "Body[contentType=" + contentType + ", " + bytes.length + " bytes: "
                    + (text.length() > 300 ? text.substring(0, 300) + "…" : text) + "]";
        }
    }

    /**
     * One character replaced, inserted or deleted.
     *
     * @param kind 0 replace, 1 insert, 2 delete
     * @param at   where, modulo the length
     * @param c    the character put in
     */
    record Edit(int kind, int at, char c) {
        String apply(String text) {
            if (text.isEmpty()) {
                return kind == 2 ? text : String.valueOf(c);
            }
            int i = at % text.length();
            return switch (kind) {
                case 0 -> text.substring(0, i) + c + text.substring(i + 1);
                case 1 -> text.substring(0, i) + c + text.substring(i);
                default -> text.substring(0, i) + text.substring(i + 1);
            };
        }
    }
}
