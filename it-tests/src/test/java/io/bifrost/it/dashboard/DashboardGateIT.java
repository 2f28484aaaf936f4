package io.bifrost.it.dashboard;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in production, on the built jar: no {@code BIFROST_DASHBOARD_TOKEN}, no dashboard (404); with it, the
 * token or 401, never echoed nor logged; and never the development "try it" panel.
 */
class DashboardGateIT {
    private static final String TOKEN = "dashboard-token-0123456789abcdef";
    private static final String WRONG = "wrong-token-fedcba9876543210";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static GatewayProcess withoutToken;
    private static GatewayProcess withToken;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        withoutToken = GatewayProcess.start(Map.of("BIFROST_ENV", "production", "JWT_SECRET", TestGateway.SECRET),
                dir);
        withToken = GatewayProcess.start(Map.of("BIFROST_ENV", "production", "JWT_SECRET", TestGateway.SECRET,
                "BIFROST_DASHBOARD_TOKEN", TOKEN), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (withoutToken != null) {
            withoutToken.close();
        }
        if (withToken != null) {
            withToken.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/dashboard", "/dashboard/stream", "/dashboard?token=" + TOKEN})
    void withoutTheTokenSettingProductionServesNoDashboard(String path) throws Exception {
        HttpResponse<String> answer = get(withoutToken.uri(), path, Map.of("Authorization", "Bearer " + TOKEN));
        assertEquals(404, answer.statusCode(), answer.body());
        assertEquals("{\"error\":\"no dashboard: set BIFROST_DASHBOARD_TOKEN to serve /dashboard in production\"}",
                answer.body());
    }

    @Test
    void withoutTheTokenSettingTheTryItTokensAre404() throws Exception {
        HttpResponse<String> answer = post(withoutToken.uri(), "/dashboard/try", Map.of(), "{\"channel\":\"c\"}");
        assertEquals(404, answer.statusCode(), answer.body());
    }

    @Test
    void inDevelopmentWithoutATokenOnlyThisMachineSeesTheDashboard() throws Exception {
        try (Gateway development = Gateway.start(GatewayConfig.embedded(TestGateway.SECRET))) {
            assertEquals(200, get(development.uri(), "/dashboard", Map.of()).statusCode());
            // Through a proxy the peer is the proxy's address: the forwarding header says it is not this machine.
            HttpResponse<String> forwarded = get(development.uri(), "/dashboard",
                    Map.of("X-Forwarded-For", "203.0.113.7"));
            assertEquals(403, forwarded.statusCode(), forwarded.body());
            assertEquals("{\"error\":\"in development the dashboard is served to a browser on this machine only;"
                    + " set BIFROST_DASHBOARD_TOKEN to open it to others\"}", forwarded.body());
        }
    }

    @Test
    void theTryItPanelRefusesWhatItCannotUseWith400AndMintsForAValidChannel() throws Exception {
        try (Gateway development = Gateway.start(GatewayConfig.embedded(TestGateway.SECRET))) {
            URI base = development.uri();
            assertTryRefused(base, Map.of("Content-Type", "text/plain"), "{\"channel\":\"c\"}",
                    "{\"error\":\"Content-Type must be application/json\"}");
            assertTryRefused(base, Map.of(), "{\"channel\":\"" + "c".repeat(20_000) + "\"}",
                    "{\"error\":\"send a JSON body of at most 16384 bytes, with Content-Length\"}");
            assertTryRefused(base, Map.of(), "{\"channel\":", null);
            assertTryRefused(base, Map.of(), "{\"channel\":7}",
                    "{\"error\":\"\\\"channel\\\" must be a string of 1 to 256 characters\"}");
            assertTryRefused(base, Map.of(), "{\"channel\":\"" + "c".repeat(257) + "\"}",
                    "{\"error\":\"\\\"channel\\\" must be a string of 1 to 256 characters\"}");
            assertTryRefused(base, Map.of(), "{\"channel\":\"c\",\"event\":[]}",
                    "{\"error\":\"\\\"event\\\" must be a non-empty string\"}");
            HttpResponse<String> minted = post(base, "/dashboard/try", Map.of(), "{\"channel\":\"c\"}");
            assertEquals(200, minted.statusCode(), minted.body());
            assertTrue(minted.body().startsWith("{\"subscribe\":\"eyJ"), minted.body());
            // After all that the gateway still serves.
            assertEquals(200, get(base, "/health/live", Map.of()).statusCode());
        }
    }

    private static void assertTryRefused(URI base, Map<String, String> headers, String body, String expected)
            throws Exception {
        HttpResponse<String> answer = post(base, "/dashboard/try", headers, body);
        assertEquals(400, answer.statusCode(), answer.body());
        assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(""));
        if (expected != null) {
            assertEquals(expected, answer.body());
        } else {
            assertTrue(answer.body().startsWith("{\"error\":\"the body is "), answer.body());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/dashboard", "/dashboard/stream"})
    void missingTokenIs401SayingHowToSendIt(String path) throws Exception {
        HttpResponse<String> answer = get(withToken.uri(), path, Map.of());
        assertEquals(401, answer.statusCode(), answer.body());
        assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(""));
        assertEquals("Bearer realm=\"bifrost dashboard\"", answer.headers().firstValue("WWW-Authenticate")
                .orElse(""));
        assertEquals("{\"error\":\"the dashboard needs its token: send Authorization: Bearer"
                + " <BIFROST_DASHBOARD_TOKEN>, or open /dashboard?token=<it>\"}", answer.body());
    }

    @Test
    void wrongTokenIs401AndIsNeitherEchoedNorLogged() throws Exception {
        HttpResponse<String> bearer = get(withToken.uri(), "/dashboard", Map.of("Authorization", "Bearer " + WRONG));
        HttpResponse<String> query = get(withToken.uri(), "/dashboard/stream?token=" + WRONG, Map.of());
        // A prefix of the right one, and the right one with a byte more: still wrong.
        HttpResponse<String> prefix = get(withToken.uri(), "/dashboard?token=" + TOKEN.substring(0, 20), Map.of());
        HttpResponse<String> longer = get(withToken.uri(), "/dashboard?token=" + TOKEN + "0", Map.of());
        for (HttpResponse<String> answer : java.util.List.of(bearer, query, prefix, longer)) {
            assertEquals(401, answer.statusCode(), answer.body());
            assertEquals("{\"error\":\"wrong dashboard token; use the value of BIFROST_DASHBOARD_TOKEN\"}",
                    answer.body());
        }
        String log = withToken.log();
        assertFalse(log.contains(WRONG), log);
        assertFalse(log.contains(TOKEN), log);
    }

    @Test
    void rightTokenInTheHeaderOrTheAddressGetsThePageWithoutTheTryItPanel() throws Exception {
        for (HttpResponse<String> answer : java.util.List.of(
                get(withToken.uri(), "/dashboard", Map.of("Authorization", "Bearer " + TOKEN)),
                get(withToken.uri(), "/dashboard?token=" + TOKEN, Map.of()))) {
            assertEquals(200, answer.statusCode(), answer.body());
            assertEquals("text/html; charset=UTF-8", answer.headers().firstValue("Content-Type").orElse(""));
            assertEquals("no-referrer", answer.headers().firstValue("Referrer-Policy").orElse(""));
            assertTrue(answer.body().contains("const INSTANCE = \"local\", MODE = \"production\", TRY = false;"),
                    answer.body());
            assertFalse(answer.body().contains(TOKEN), "the page must not carry the token");
        }
    }

    @Test
    void rightTokenStillGetsNoTryItTokensInProduction() throws Exception {
        HttpResponse<String> answer = post(withToken.uri(), "/dashboard/try",
                Map.of("Authorization", "Bearer " + TOKEN), "{\"channel\":\"c\"}");
        assertEquals(404, answer.statusCode(), answer.body());
        assertEquals("{\"error\":\"the try-it panel is served in development only, to a browser on the gateway's"
                + " own machine\"}", answer.body());
    }

    @Test
    void rightTokenOpensTheStream() throws Exception {
        try (EventStream stream = EventStream.open(withToken.uri().resolve("/dashboard/stream"),
                Map.of("Authorization", "Bearer " + TOKEN))) {
            assertEquals(200, stream.status(), stream.body());
            assertEquals("history", stream.next(Duration.ofSeconds(10)).event());
        }
    }

    private static HttpResponse<String> get(URI base, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(URI base, String path, Map<String, String> headers, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::setHeader);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
