package io.bifrost.gateway.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.ops.PlainLogFormatter;
import io.bifrost.gateway.testkit.LogCapture;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.TestGateway.Reply;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.Tokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A publisher that sends refused tokens over and over gets one log line per kind of refusal (then one a minute with
 * a count), and what it chose (here an alg with a forged log line in it) reaches the log escaped, on one line.
 */
class BroadcastLogIT {
    private static final String FORGED = "\nFAKE 2026-01-01T00:00:00.000Z SEVERE io.bifrost.gateway.Gateway: forged";

    private LogCapture logs;

    @BeforeEach
    void captureLogs() {
        logs = LogCapture.on(BroadcastHandler.class.getName())
                .withLevel(BroadcastHandler.class.getName(), java.util.logging.Level.INFO);
    }

    @AfterEach
    void releaseLogs() {
        logs.close();
    }

    @Test
    void repeatedRefusalsAreLoggedOncePerKindEscapedOnOneLine() throws Exception {
        String forgedAlg = b64(Json.write(Map.of("alg", "RS256" + FORGED))) + "."
                + b64("{\"channel\":\"c\",\"message\":{\"event\":\"e\"}}") + ".c2ln";
        Tokens tokens = TestGateway.tokens();
        String expired = tokens.mint(Map.of("channel", "c", "message", Map.of("event", "e"), "exp", 1_000_000_000L),
                io.bifrost.protocol.HmacAlgorithm.HS512);
        try (Gateway gateway = TestGateway.start()) {
            for (int i = 0; i < 25; i++) {
                assertBadSignature(TestGateway.post(gateway.uri(), "application/json", body(forgedAlg)));
                assertBadSignature(TestGateway.post(gateway.uri(), "application/json", body(expired)));
            }
        }

        List<String> lines = logs.records().stream().map(r -> new PlainLogFormatter().format(r)).toList();
        assertEquals(2, lines.size(), String.join("", lines));
        for (String line : lines) {
            assertEquals(1, line.lines().count(), line);
            assertFalse(line.contains("\nFAKE"), line);
        }
        // The alg as Tokens quotes it (40 characters, the line break as \\u000a), the line as LogText leaves it.
        assertTrue(lines.get(0).contains("broadcast refused: unsupported_algorithm (token is signed with"
                + " \"RS256\\u000aFAKE 2026-01-01T00:00:00.000Z SEVE\"…; only HS256, HS384 and HS512 are accepted)"),
                lines.get(0));
        assertTrue(lines.get(1).contains("broadcast refused: expired (token expired at 2001-09-09T01:46:40Z)"),
                lines.get(1));
    }

    private static void assertBadSignature(Reply reply) throws Exception {
        assertEquals(400, reply.status(), reply.body());
        assertEquals("Bad signature", Json.parseObject(reply.body()).get("error"), reply.body());
    }

    private static String body(String token) {
        return "{\"token\":" + Json.quote(token) + "}";
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
