package io.bifrost.it.edge;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.bifrost.it.edge.Edge.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 10: in development (the default mode) {@code /test} hands out a real subscribe token, so it answers only a
 * request that comes from loopback and names no other client behind a proxy; anything else gets 404 as in
 * production.
 */
class DevelopmentPageIT {
    private static GatewayProcess gateway;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        // On every interface, as a bare java -jar runs: a peer on another address can reach it.
        gateway = GatewayProcess.start(Map.of("BIFROST_ENV", "development", "JWT_SECRET", TestGateway.SECRET,
                "BIFROST_HOST", "0.0.0.0"), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void loopbackRequestGetsTheTestPage() throws Exception {
        RawHttp.Response answer = RawHttp.answer(gateway.uri(), get(""), WAIT);
        assertEquals(200, answer.status(), answer.toString());
        assertTrue(answer.body().contains("/subscribe"), answer.body());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"X-Forwarded-For: 203.0.113.9", "Forwarded: for=203.0.113.9",
            "X-Forwarded-For: 127.0.0.1"})
    void loopbackRequestForwardedByAProxyGets404(String header) throws Exception {
        RawHttp.Response answer = RawHttp.answer(gateway.uri(), get(header + "\r\n"), WAIT);
        assertEquals(404, answer.status(), answer.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rebound.example", "rebound.example:3000", "127.example.com", "127.0.0.1.example.com:3000", "[::2]:3000"})
    void loopbackRequestForAnotherHostNameGets404(String host) throws Exception {
        // DNS rebinding: another site's name pointed at 127.0.0.1 reaches the gateway from this machine's browser.
        RawHttp.Response answer = RawHttp.answer(gateway.uri(), "GET /test HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
                WAIT);
        assertEquals(404, answer.status(), answer.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"localhost", "localhost:3000", "127.0.0.1:3000", "[::1]:3000"})
    void loopbackRequestForALoopbackNameGetsTheTestPage(String host) throws Exception {
        RawHttp.Response answer = RawHttp.answer(gateway.uri(), "GET /test HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
                WAIT);
        assertEquals(200, answer.status(), answer.toString());
    }

    @Test
    void requestFromANonLoopbackAddressGets404() throws Exception {
        Optional<InetAddress> own = ownNonLoopbackAddress();
        Assumptions.assumeTrue(own.isPresent(), "this machine has no non-loopback IPv4 address to connect from, so a"
                + " non-loopback peer cannot be played here");
        URI viaOwnAddress = URI.create("http://" + own.get().getHostAddress() + ":" + gateway.uri().getPort() + "/");
        RawHttp.Response answer = RawHttp.answer(viaOwnAddress, get(""), WAIT);
        assertEquals(404, answer.status(), answer.toString());
    }

    private static String get(String headers) {
        return "GET /test HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
    }

    // The machine's own address on an interface that is up: connecting to it makes the peer non-loopback.
    private static Optional<InetAddress> ownNonLoopbackAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
