package io.bifrost.it.edge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bifrost.it.edge.Edge.assertNothingDelivered;
import static io.bifrost.it.edge.Edge.broadcastBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 3 through our own proxy: docker/nginx.conf sends {@code Connection: close} upstream, so a GET whose body is
 * a broadcast reaches the gateway exactly as in {@link SmugglingIT}. Through a real nginx running the shipped
 * settings, the hidden broadcast must not be delivered.
 */
class NginxSmugglingIT {
    private static GatewayProcess gateway;
    private static NginxProcess nginx;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Optional<Path> executable = NginxProcess.executable();
        if (executable.isEmpty()) {
            String reason = "nginx is not installed, so the smuggling attempt through docker/nginx.conf cannot run:"
                    + " bin/setup installs it (apt-get install nginx)";
            // CI runs bin/setup: there a missing nginx is a broken setup, not a reason to skip.
            if (System.getenv("CI") != null) {
                throw new IllegalStateException(reason);
            }
            Assumptions.abort(reason);
        }
        Path shipped = Path.of(System.getProperty("bifrost.nginx.conf", "../docker/nginx.conf"));
        assertTrue(Files.isRegularFile(shipped), "no docker/nginx.conf at " + shipped.toAbsolutePath());
        gateway = GatewayProcess.start(Edge.production("BIFROST_HTTP_HEADER_TIMEOUT_SECONDS", "3"),
                Files.createDirectories(dir.resolve("gateway")));
        nginx = NginxProcess.start(executable.get(), shipped, gateway.uri(),
                Files.createDirectories(dir.resolve("nginx")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void broadcastHiddenInAGetBodyIsNotDeliveredThroughTheShippedNginxConfig() throws Exception {
        try (WsClient subscriber = TestGateway.subscriber(gateway.uri(), "behind-nginx")) {
            String hidden = Edge.post("/broadcast", broadcastBody("behind-nginx", "smuggled", "through nginx"), "");
            // nginx forwards the body upstream with Connection: close (the shipped map for requests without Upgrade).
            String request = "GET /info.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: "
                    + hidden.length() + "\r\n\r\n" + hidden;

            RawHttp.Exchange exchange = RawHttp.exchange(nginx.uri(), request, Duration.ofSeconds(5));

            assertEquals(200, exchange.only().status(), exchange.text());
            assertNothingDelivered(gateway.uri(), subscriber, "behind-nginx");
        }
    }

    @Test
    void theShippedNginxConfigStillPassesBroadcastsAndUpgrades() throws Exception {
        try (WsClient subscriber = TestGateway.subscriber(nginx.uri(), "through-nginx")) {
            Edge.broadcast(nginx.uri(), "through-nginx", "passed", "both ways");
            assertEquals("{\"event\":\"passed\",\"data\":\"both ways\"}", subscriber.nextText(Edge.WAIT));
        }
    }
}
