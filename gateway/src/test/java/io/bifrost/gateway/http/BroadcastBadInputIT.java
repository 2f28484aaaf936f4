package io.bifrost.gateway.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.TestGateway.Reply;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.protocol.HmacAlgorithm;
import io.bifrost.protocol.Json;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of bad {@code POST /broadcast} gets a 4xx with a JSON error naming the problem, and changes nothing:
 * no socket receives anything, the delivery counter stays put, and a valid broadcast right after still arrives.
 */
class BroadcastBadInputIT {
    private static final String CHANNEL = "bad:input";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    // ---- transport and body shape ----

    @Test
    void noContentTypeIs400NamingContentType() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            f.assertRefusedAndNothingChanged(f.post(null, f.validBody()), 400, "Content-Type");
        }
    }

    @Test
    void textPlainContentTypeIs400NamingContentType() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            f.assertRefusedAndNothingChanged(f.post("text/plain", f.validBody()), 400, "Content-Type");
        }
    }

    @Test
    void unparseableContentTypeIs400NamingContentType() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            f.assertRefusedAndNothingChanged(f.post("application/json;;x", f.validBody()), 400, "Content-Type");
        }
    }

    @Test
    void jsonContentTypeWithCharsetIsAccepted() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            Reply reply = f.post("application/json; charset=utf-8", f.validBody());
            assertEquals(200, reply.status(), reply.body());
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}", reply.body());
            assertEquals(Fixture.VALID_FRAME, f.subscriber.nextText(WAIT));
        }
    }

    @Test
    void malformedJsonIs400NamingJson() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            f.assertRefusedAndNothingChanged(f.post("application/json", "{\"token\": "), 400, "JSON");
        }
    }

    @Test
    void jsonArrayBodyIs400NamingJson() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            f.assertRefusedAndNothingChanged(f.post("application/json", "[" + f.validBody() + "]"), 400, "JSON");
        }
    }

    @Test
    void emptyBodyIs400NamingJson() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            f.assertRefusedAndNothingChanged(f.post("application/json", ""), 400, "JSON");
        }
    }

    @Test
    void missingTokenIs400NamingToken() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            f.assertRefusedAndNothingChanged(f.post("application/json", "{\"channel\":\"" + CHANNEL + "\"}"), 400,
                    "token");
        }
    }

    @Test
    void numericTokenIs400NamingToken() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            f.assertRefusedAndNothingChanged(f.post("application/json", "{\"token\":12345}"), 400, "token");
        }
    }

    // ---- claims ----

    @Test
    void tokenWithoutChannelClaimIs400NamingChannel() throws Exception {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("message", message("leak", "should not arrive"));
        String token = tokens().mint(claims, HmacAlgorithm.HS512);
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            f.assertRefusedAndNothingChanged(f.postToken(token), 400, "channel");
        }
    }

    @Test
    void tokenWhoseMessageIsAStringIs400NamingMessageAndObject() throws Exception {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("channel", CHANNEL);
        claims.put("message", "{\"event\":\"leak\",\"data\":\"x\"}");
        String token = tokens().mint(claims, HmacAlgorithm.HS512);
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            String error = f.assertRefusedAndNothingChanged(f.postToken(token), 400, "message");
            assertTrue(error.contains("object"), error);
        }
    }

    @Test
    void messageWithoutEventIs400NamingEvent() throws Exception {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("channel", CHANNEL);
        claims.put("message", Map.of("data", "no event here"));
        String token = tokens().mint(claims, HmacAlgorithm.HS512);
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            f.assertRefusedAndNothingChanged(f.postToken(token), 400, "event");
        }
    }

    // ---- signatures ----

    @Test
    void unsignedAlgNoneTokenIsBadSignature() throws Exception {
        String token = b64("{\"alg\":\"none\"}") + "." + b64(claimsJson()) + ".";
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            String error = f.assertRefusedAndNothingChanged(f.postToken(token), 400, "Bad signature");
            assertEquals("Bad signature", error);
        }
    }

    @Test
    void rs256HeaderTokenIsBadSignature() throws Exception {
        String signature = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[256]);
        String token = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + b64(claimsJson()) + "." + signature;
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            String error = f.assertRefusedAndNothingChanged(f.postToken(token), 400, "Bad signature");
            assertEquals("Bad signature", error);
        }
    }

    // ---- size ----

    @Test
    void bodyOverTheLimitWithContentLengthIs413() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS.withMaxBodyBytes(1024))) {
            String body = oversizedBody(f.validBody(), 2000);
            f.assertRefusedAndNothingChanged(f.post("application/json", body), 413, "larger");
        }
    }

    @Test
    void aChunkedBodyIsRefusedUnreadAndItsConnectionClosed() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            byte[] body = f.validBody().getBytes(StandardCharsets.UTF_8);
            HttpRequest request = HttpRequest.newBuilder(f.gateway.uri().resolve("/broadcast"))
                    .timeout(WAIT)
                    .header("Content-Type", "application/json")
                    // An InputStream publisher has no known length: the client must send it chunked.
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                    .build();
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            assertTrue(request.bodyPublisher().orElseThrow().contentLength() < 0, "body must be sent chunked");
            assertEquals("close", response.headers().firstValue("Connection").orElse(""));
            Reply reply = new Reply(response.statusCode(), response.body(),
                    response.headers().firstValue("Content-Type").orElse(""), "");
            f.assertRefusedAndNothingChanged(reply, 400, "Content-Length");
        }
    }

    // ---- method ----

    @Test
    void getBroadcastIs405() throws Exception {
        try (Fixture f = new Fixture(Limits.DEFAULTS)) {
            Reply reply = TestGateway.get(f.gateway.uri(), "/broadcast");
            f.assertRefusedAndNothingChanged(reply, 405, "POST");
        }
    }

    // ---- helpers ----

    private static Map<String, Object> message(String event, String data) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", event);
        message.put("data", data);
        return message;
    }

    private static String claimsJson() {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("channel", CHANNEL);
        claims.put("message", message("leak", "should not arrive"));
        return Json.write(claims);
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** A valid broadcast body padded with whitespace (still valid JSON) to {@code size} bytes. */
    private static String oversizedBody(String validBody, int size) {
        String body = validBody.substring(0, validBody.length() - 1)
                + " ".repeat(size - validBody.length()) + "}";
        assertEquals(size, body.getBytes(StandardCharsets.UTF_8).length);
        return body;
    }

    /** A gateway with one socket subscribed to {@link #CHANNEL}. */
    private static final class Fixture implements AutoCloseable {
        static final String VALID_FRAME = "{\"event\":\"valid\",\"data\":\"{\\\"ok\\\":true}\"}";

        final Gateway gateway;
        final WsClient subscriber;

        Fixture(Limits limits) throws IOException {
            gateway = TestGateway.start(limits);
            try {
                subscriber = TestGateway.subscriber(gateway, CHANNEL);
            } catch (IOException | RuntimeException e) {
                gateway.close();
                throw e;
            }
        }

        String validBody() {
            return "{\"token\":\"" + tokens().broadcastToken(CHANNEL, message("valid", "{\"ok\":true}"),
                    Duration.ofMinutes(1)) + "\"}";
        }

        Reply post(String contentType, String body) {
            return TestGateway.post(gateway.uri(), contentType, body);
        }

        Reply postToken(String token) {
            return post("application/json", "{\"token\":\"" + token + "\"}");
        }

        /**
         * Checks the refusal, then that nothing else moved: no delivery was counted, the socket is still subscribed
         * and the first thing it receives is the valid broadcast sent afterwards.
         *
         * @return the error text
         */
        String assertRefusedAndNothingChanged(Reply reply, int status, String keyword) throws Exception {
            assertEquals(status, reply.status(), reply.body());
            assertTrue(reply.contentType().startsWith("application/json"),
                    "Content-Type was '" + reply.contentType() + "'");
            Object error = Json.parseObject(reply.body()).get("error");
            assertInstanceOf(String.class, error, reply.body());
            String text = (String) error;
            assertTrue(text.contains(keyword), "error '" + text + "' does not mention " + keyword);

            assertEquals(0L, deliveries(), "a refused broadcast counted a delivery");
            Reply valid = post("application/json", validBody());
            assertEquals(200, valid.status(), valid.body());
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}", valid.body());
            assertEquals(VALID_FRAME, subscriber.nextText(WAIT));
            assertEquals(1L, deliveries());
            return text;
        }

        long deliveries() throws Exception {
            Reply info = TestGateway.get(gateway.uri(), "/info.json");
            assertEquals(200, info.status());
            @SuppressWarnings("unchecked")
            Map<String, Object> stats = (Map<String, Object>) Json.parseObject(info.body()).get("stats");
            return (Long) stats.get("deliveries");
        }

        @Override
        public void close() {
            subscriber.close();
            gateway.close();
        }
    }
}
