package io.bifrost.gateway.http;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.testkit.Fuzz;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

    @BeforeEach
    void start() throws IOException {
        // Bodies up to a megabyte, so nesting 100,000 deep reaches the JSON parser instead of the size limit.
        gateway = TestGateway.start(Limits.DEFAULTS.withMaxBodyBytes(1 << 20));
        bystander = TestGateway.subscriber(gateway, BYSTANDER);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() {
        if (bystander != null) {
            bystander.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void anyBodyGetsOurAnswerNeverA5xxAndHarmsNoSocket() {
        // Bodies that pass every check, and each kind of refusal, often enough to say something about them.
        Fuzz fuzz = Fuzz.property("anyBodyGetsOurAnswerNeverA5xxAndHarmsNoSocket", 400)
                .requires("answer", "200", 5)
                .requires("answer", "400 Bad signature", 50)
                .requires("answer", "400 body is not valid JSON", 50)
                .requires("answer", "400 body is JSON nested deeper than 64 levels", 5)
                .requires("answer", "400 Content-Type must be application/json", 10)
                .requires("answer", "400 \"token\" must be a string holding a JWT", 3)
                .requires("answer", "400 body has no \"token\"", 3);
        fuzz.forAll(BroadcastBodyFuzzIT::body, body -> fuzz.collect("answer", answer(body)));
    }

    // Posts one body, checks the answer and that the bystander is still served; returns the answer's gist.
    private String answer(Body body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri().resolve("/broadcast")).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        if (body.contentType() != null) {
            request.header("Content-Type", body.contentType());
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());

        int status = response.statusCode();
        assertTrue(status < 500, status + " " + response.body());
        String gist = String.valueOf(status);
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
            gist += " " + ((String) error.get("error")).split("[:;,(]", 2)[0].strip();
        }
        String data = "after-" + ++round;
        TestGateway.Reply valid = TestGateway.broadcast(gateway, BYSTANDER, "e", data);
        assertEquals("{\"message\":\"Success\",\"deliveries\":1}", valid.body());
        assertEquals("{\"event\":\"e\",\"data\":\"" + data + "\"}", bystander.nextText(WAIT));
        return gist;
    }

    private static Body body(Random random) {
        String contentType = switch (Fuzz.weighted(random, 12, 1, 1)) {
            case 0 -> "application/json";
            case 1 -> Fuzz.pick(random, "application/json; charset=utf-8", "text/plain", "application/json;;x",
                    "application/*", "");
            default -> null;
        };
        if (random.nextInt(13) == 0) {
            return new Body(contentType, Fuzz.bytes(random, 64));
        }
        String text = text(random);
        // Half are sent as made, so bodies that pass every check are not rare.
        if (random.nextBoolean()) {
            for (int edits = Fuzz.between(random, 1, 3); edits > 0; edits--) {
                text = Fuzz.edit(random, text, INTERESTING);
            }
        }
        return new Body(contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Random random) {
        return switch (Fuzz.weighted(random, 8, 2, 2, 1, 1, 1)) {
            case 0 -> "{\"token\":\"" + token(random) + "\"}";
            case 1 -> {
                String token = token(random);
                yield " {\"x\":[1,{}],\"token\" : \"" + token + "\",\"token\":\"" + token + "\"} ";
            }
            case 2 -> {
                int levels = Fuzz.pick(random, 60, 63, 64, 65, 70, 1_000, 100_000);
                String open = Fuzz.pick(random, "[", "{\"a\":");
                String close = random.nextBoolean() ? (open.equals("[") ? "]" : "}").repeat(levels - 1) : "";
                yield "{\"token\":\"x\",\"x\":" + open.repeat(levels - 1) + "1" + close + "}";
            }
            case 3 -> Fuzz.pick(random, "{\"token\":" + "1".repeat(101) + "}", "{\"token\":1e2147483649}",
                    "{\"token\":1e999999999}", "{\"token\":[\"a.b.c\"]}", "{\"token\":null}", "{}", "[]", "",
                    "null", "{\"token\":\"a.b.c\"}", "{\"token\":\"\"}", "{\"token\":\"x\"", "\uFEFF{\"token\":\"x\"}");
            case 4 -> "{\"token\":" + Fuzz.pick(random, "null", "7", "-0", "1.5", "1e999999999", "true", "false", "[]",
                    "[\"a.b.c\"]", "{}", "{\"token\":\"a.b.c\"}", "[[[[\"x\"]]]]") + "}";
            default -> Fuzz.anyString(random, 30);
        };
    }

    private static String token(Random random) {
        return token("{\"channel\":\"" + CHANNEL + "\",\"message\":" + Fuzz.pick(random, MESSAGES)
                + Fuzz.pick(random, EXPS) + "}");
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
}
