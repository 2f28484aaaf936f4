package io.bifrost.it.edge;

import java.nio.file.Path;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.bifrost.it.edge.Edge.WAIT;
import static io.bifrost.it.edge.Edge.assertNothingDeliveredBefore;
import static io.bifrost.it.edge.Edge.broadcastBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 8, paths and versions: a proxy's allow and deny rules see the path as written, so a path that is only an
 * alias of {@code /broadcast} must not reach the broadcast handler (404, and no delivery). HTTP/1.0 clients are
 * answered, and their connection closed after the answer.
 */
class PathsAndVersionsIT {
    private static GatewayProcess gateway;
    private static int attempts;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        gateway = GatewayProcess.start(Edge.production(), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @ParameterizedTest(name = "POST {0}")
    @ValueSource(strings = {"//broadcast", "/broadcast/", "/broadcast;x", "/x/../broadcast", "/./broadcast",
            "/%62roadcast", "/broadcast%2f"})
    void aliasOfBroadcastGets404AndDeliversNothing(String path) throws Exception {
        String channel = "alias-" + ++attempts;
        try (WsClient subscriber = TestGateway.subscriber(gateway.uri(), channel)) {
            RawHttp.Response answer = RawHttp.answer(gateway.uri(),
                    Edge.post(path, broadcastBody(channel, "aliased", path), ""), WAIT);

            assertEquals(404, answer.status(), answer.toString());
            assertTrue(answer.body().startsWith("{\"error\":"), answer.body());
            assertNothingDeliveredBefore(gateway.uri(), subscriber, channel);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"", "Connection: keep-alive\r\n"})
    void http10RequestIsAnsweredAndTheConnectionClosed(String connection) throws Exception {
        RawHttp.Exchange exchange = RawHttp.exchange(gateway.uri(),
                "GET /health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n" + connection + "\r\n", Edge.ANSWER);

        RawHttp.Response answer = exchange.only();
        assertEquals(200, answer.status(), exchange.text());
        assertEquals("{\"status\":\"UP\"}", answer.body());
        assertTrue(exchange.closed(), "the connection must be closed after the answer:\n" + exchange.text());
    }
}
