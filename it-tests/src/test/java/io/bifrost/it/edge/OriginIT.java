package io.bifrost.it.edge;

import java.nio.file.Files;
import java.nio.file.Path;

import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.bifrost.it.edge.Edge.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 9: {@code BIFROST_ALLOWED_ORIGINS} refuses the upgrade of a browser on another site (403); a listed origin
 * and a non-browser client (no Origin) are upgraded; without the setting any origin is, as with Bifrost.
 */
class OriginIT {
    private static GatewayProcess restricted;
    private static GatewayProcess open;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        restricted = GatewayProcess.start(Edge.production("BIFROST_ALLOWED_ORIGINS",
                "https://app.example.com,https://admin.example.com"), Files.createDirectories(dir.resolve("a")));
        open = GatewayProcess.start(Edge.production(), Files.createDirectories(dir.resolve("b")));
    }

    @AfterAll
    static void stop() throws Exception {
        restricted.close();
        open.close();
    }

    @ParameterizedTest(name = "Origin: {0}")
    @ValueSource(strings = {"https://evil.example", "https://app.example.com.evil.example", "http://app.example.com",
            "https://app.example.com:8443", "null"})
    void unlistedOriginGets403(String origin) throws Exception {
        RawHttp.Response answer = RawHttp.answer(restricted.uri(),
                RawWebSocket.Upgrade.standard(restricted.uri()).with("Origin", origin).head(), WAIT);
        assertEquals(403, answer.status(), answer.toString());
        assertTrue(answer.body().startsWith("{\"error\":\"origin "), answer.body());
        assertTrue(answer.body().contains("is not allowed (BIFROST_ALLOWED_ORIGINS)"), answer.body());
    }

    @ParameterizedTest(name = "Origin: {0}")
    @ValueSource(strings = {"https://app.example.com", "https://admin.example.com"})
    void listedOriginIsUpgraded(String origin) throws Exception {
        assertUpgraded(restricted, RawWebSocket.Upgrade.standard(restricted.uri()).with("Origin", origin));
    }

    @Test
    void clientWithoutOriginIsUpgraded() throws Exception {
        assertUpgraded(restricted, RawWebSocket.Upgrade.standard(restricted.uri()));
    }

    @Test
    void withoutTheSettingAnyOriginIsUpgraded() throws Exception {
        assertUpgraded(open, RawWebSocket.Upgrade.standard(open.uri()).with("Origin", "https://evil.example"));
    }

    private static void assertUpgraded(GatewayProcess gateway, RawWebSocket.Upgrade upgrade) throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri(), upgrade)) {
            ws.sendText("{\"event\":\"ping\"}");
            assertEquals("{\"event\":\"pong\"}", ws.nextText(WAIT));
        }
    }
}
