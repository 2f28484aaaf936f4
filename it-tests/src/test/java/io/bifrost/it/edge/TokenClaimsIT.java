package io.bifrost.it.edge;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.bifrost.it.edge.Edge.WAIT;
import static io.bifrost.it.edge.Edge.assertNoInternalText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 8, tokens: correctly signed tokens whose claims are wrong are refused, and the refusal says what is wrong.
 * A token for no channels must not leave a socket open past the authentication timeout; {@code exp} is a JSON number
 * (RFC 7519 NumericDate) in a sane range.
 */
class TokenClaimsIT {
    private static GatewayProcess gateway;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        gateway = GatewayProcess.start(Edge.production(), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void subscribeTokenForNoChannelsIsRefusedWith1008() throws Exception {
        String token = TestGateway.tokens().subscribeToken(List.of(), Duration.ofMinutes(1));
        assertSocketRefused(token);
        assertTrue(gateway.log().contains("token lists no channels"), gateway.log());
    }

    @Test
    void expGivenAsANumericStringIsRefusedOnTheSocket() throws Exception {
        assertSocketRefused(HandMadeJwt.hs512("{\"channels\":[\"c\"],\"exp\":\"4102444800\"}"));
    }

    @Test
    void expGivenAsANumericStringIsRefusedOnBroadcastSayingWhatANumericDateIs() throws Exception {
        RawHttp.Response answer = broadcast(
                HandMadeJwt.hs512("{\"channel\":\"c\",\"message\":{\"event\":\"e\"},\"exp\":\"4102444800\"}"));
        assertEquals(400, answer.status(), answer.toString());
        assertTrue(answer.body().startsWith("{\"error\":\"Bad signature\",\"reason\":\""), answer.body());
        assertTrue(answer.body().contains("exp must be a NumericDate"), answer.body());
    }

    @ParameterizedTest(name = "exp {0}")
    @ValueSource(strings = {"9223372036854775808", "9223372036854775807", "253402300800", "-1"})
    void expOutOfRangeIsRefusedOnTheSocket(String exp) throws Exception {
        assertSocketRefused(HandMadeJwt.hs512("{\"channels\":[\"c\"],\"exp\":" + exp + "}"));
    }

    @ParameterizedTest(name = "exp {0}")
    @ValueSource(strings = {"9223372036854775808", "9223372036854775807", "253402300800", "-1"})
    void expOutOfRangeIsRefusedOnBroadcastWithAReasonAboutItsRangeNotAnExpiry(String exp) throws Exception {
        RawHttp.Response answer = broadcast(
                HandMadeJwt.hs512("{\"channel\":\"c\",\"message\":{\"event\":\"e\"},\"exp\":" + exp + "}"));
        assertEquals(400, answer.status(), answer.toString());
        assertTrue(answer.body().contains("exp"), answer.body());
        // Not "token expired at 1970-01-01T00:00:00Z": the value overflowed; say it is out of range.
        assertFalse(answer.body().contains("expired at") || answer.body().matches("(?s).*19(69|70)-.*"),
                "exp " + exp + " is out of range, not expired: " + answer.body());
        assertNoInternalText("answer", answer.body());
    }

    private static RawHttp.Response broadcast(String token) throws Exception {
        return RawHttp.answer(gateway.uri(), Edge.post("/broadcast", "{\"token\":\"" + token + "\"}", ""), WAIT);
    }

    private static void assertSocketRefused(String token) throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri())) {
            ws.sendText("{\"event\":\"authenticate\",\"data\":\"" + token + "\"}");
            RawWebSocket.Closed closed = ws.awaitClose(Edge.ANSWER);
            assertEquals(new RawWebSocket.Closed(1008, "Not Authorized!", true, ""), closed);
        }
    }
}
