package io.bifrost.gateway.http;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.TestGateway.Reply;
import io.bifrost.protocol.HmacAlgorithm;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.Tokens;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.post;
import static io.bifrost.gateway.testkit.TestGateway.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ports of Bifrost's own spec ({@code spec/bifrost_spec.cr}): what every existing Bifrost user relies on.
 */
class BifrostSpecIT {
    private static final String OTHER_SECRET =
            "another-secret-that-is-long-enough-for-hs512-0123456789abcdef0123456789abcdef";

    @Test
    void freshGatewayInfoReportsZeroDeliveriesAndZeroConnected() throws Exception {
        try (Gateway gateway = TestGateway.start()) {
            Reply reply = TestGateway.get(gateway.uri(), "/info.json");
            assertEquals(200, reply.status());
            assertTrue(reply.contentType().startsWith("application/json"), reply.contentType());
            Map<String, Object> info = Json.parseObject(reply.body());
            @SuppressWarnings("unchecked")
            Map<String, Object> stats = (Map<String, Object>) info.get("stats");
            assertEquals(0L, stats.get("deliveries"));
            assertEquals(0L, stats.get("connected"));
        }
    }

    @Test
    void broadcastWithTokenSignedByAnotherSecretIsBadSignature() throws Exception {
        assertTrue(OTHER_SECRET.length() >= 64);
        String token = new Tokens(OTHER_SECRET).broadcastToken("user:1", message(), Duration.ofMinutes(1));
        try (Gateway gateway = TestGateway.start()) {
            Reply reply = post(gateway.uri(), "application/json", "{\"token\":\"" + token + "\"}");
            assertEquals(400, reply.status());
            assertEquals("Bad signature", Json.parseObject(reply.body()).get("error"));
        }
    }

    @Test
    void broadcastWithExpiredTokenIsBadSignature() throws Exception {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("channel", "user:1");
        claims.put("message", message());
        claims.put("exp", Instant.now().minusSeconds(60).getEpochSecond());
        String token = tokens().mint(claims, HmacAlgorithm.HS512);
        try (Gateway gateway = TestGateway.start()) {
            Reply reply = post(gateway.uri(), "application/json", "{\"token\":\"" + token + "\"}");
            assertEquals(400, reply.status());
            assertEquals("Bad signature", Json.parseObject(reply.body()).get("error"));
        }
    }

    @Test
    void validTokenToChannelWithoutSubscribersIsSuccessWithZeroDeliveries() {
        String token = tokens().broadcastToken("user:1", message(), Duration.ofMinutes(1));
        try (Gateway gateway = TestGateway.start()) {
            Reply reply = post(gateway.uri(), "application/json", "{\"token\":\"" + token + "\"}");
            assertEquals(200, reply.status());
            assertEquals("{\"message\":\"Success\",\"deliveries\":0}", reply.body());
        }
    }

    private static Map<String, Object> message() {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", "new_item");
        message.put("data", "{\"id\":1}");
        return message;
    }
}
