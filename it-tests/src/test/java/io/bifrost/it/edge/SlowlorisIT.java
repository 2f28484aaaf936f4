package io.bifrost.it.edge;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bifrost.it.edge.Edge.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 2, slowloris: a connection that is slow to send its request holds a descriptor only for the header timeout
 * ({@code BIFROST_HTTP_HEADER_TIMEOUT_SECONDS}), an idle kept-alive one only for the idle timeout
 * ({@code BIFROST_HTTP_IDLE_TIMEOUT_SECONDS}); meanwhile others are served, and websockets are not affected.
 */
class SlowlorisIT {
    private static final int HEADER_TIMEOUT = 3;
    private static final int IDLE_TIMEOUT = 6;
    /** How much later than its timeout a connection may be closed. */
    private static final int SLACK = 2;
    private static final int CONNECTIONS = 3000;

    /** What each slow connection sends before it stalls. */
    private enum Stall {
        NOTHING(""),
        HALF_A_HEAD("GET /info.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"),
        SHORT_BODY("POST /broadcast HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"token\":");

        private final byte[] bytes;

        Stall(String sent) {
            this.bytes = sent.getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** One stalled connection: what it sent, and what came back. */
    private static final class Slow {
        final Stall stall;
        int received;
        boolean closed;

        Slow(Stall stall) {
            this.stall = stall;
        }
    }

    private static GatewayProcess gateway;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        gateway = GatewayProcess.start(Edge.production(
                "BIFROST_HTTP_HEADER_TIMEOUT_SECONDS", String.valueOf(HEADER_TIMEOUT),
                "BIFROST_HTTP_IDLE_TIMEOUT_SECONDS", String.valueOf(IDLE_TIMEOUT)), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void threeThousandStalledConnectionsAreClosedWithinTheHeaderTimeoutWhileOthersAreServed() throws Exception {
        List<SocketChannel> channels = new ArrayList<>(CONNECTIONS);
        List<Slow> slows = new ArrayList<>(CONNECTIONS);
        try (WsClient websocket = TestGateway.subscriber(gateway.uri(), "unaffected");
             Selector selector = Selector.open()) {
            long openDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (int i = 0; i < CONNECTIONS; i++) {
                assertTrue(System.nanoTime() < openDeadline, "opening " + CONNECTIONS + " connections took over 30 s;"
                        + " opened " + i);
                SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", gateway.uri().getPort()));
                channels.add(channel);
                Slow slow = new Slow(Stall.values()[i % Stall.values().length]);
                slows.add(slow);
                channel.write(ByteBuffer.wrap(slow.stall.bytes));
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ, slow);
            }
            long lastOpened = System.nanoTime();

            RawHttp.Response meanwhile = RawHttp.answer(gateway.uri(),
                    "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", WAIT);
            assertEquals(200, meanwhile.status(), "a normal request while " + CONNECTIONS + " stall: " + meanwhile);

            long deadline = lastOpened + Duration.ofSeconds(HEADER_TIMEOUT + SLACK).toNanos();
            awaitClosed(selector, deadline);
            Map<Stall, Integer> open = new HashMap<>();
            Map<Stall, Integer> answered = new HashMap<>();
            for (Slow slow : slows) {
                if (!slow.closed) {
                    open.merge(slow.stall, 1, Integer::sum);
                }
                if (slow.received > 0) {
                    answered.merge(slow.stall, 1, Integer::sum);
                }
            }

            assertEquals(Map.of(), open, "connections still open " + (HEADER_TIMEOUT + SLACK) + " s after the last"
                    + " was opened, by what they sent");
            assertEquals(Map.of(), answered, "stalled connections must be closed with no answer");
            // The websocket has outlived both timeouts and still works.
            Edge.broadcast(gateway.uri(), "unaffected", "still", "here");
            assertEquals("{\"event\":\"still\",\"data\":\"here\"}", websocket.nextText(WAIT));
        } finally {
            for (SocketChannel channel : channels) {
                channel.close();
            }
        }
    }

    @Test
    void keptAliveConnectionWithNoRequestIsClosedAfterTheIdleTimeout() throws Exception {
        RawHttp.Exchange exchange = RawHttp.exchange(gateway.uri(),
                "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", Duration.ofSeconds(IDLE_TIMEOUT + SLACK));

        assertEquals(200, exchange.only().status(), exchange.text());
        assertTrue(exchange.closed(), "an idle kept-alive connection must be closed within "
                + (IDLE_TIMEOUT + SLACK) + " s");
    }

    @Test
    void secondRequestBegunOnAKeptAliveConnectionMustCompleteWithinTheHeaderTimeout() throws Exception {
        // Closed by the header timeout, which is shorter than the idle timeout this would otherwise get.
        RawHttp.Exchange exchange = RawHttp.exchange(gateway.uri(),
                "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /health/live HTTP/1.1\r\nHost: 127",
                Duration.ofSeconds(HEADER_TIMEOUT + SLACK));

        assertEquals(200, exchange.only().status(), exchange.text());
        assertTrue(exchange.closed(), "a begun request must be closed within " + (HEADER_TIMEOUT + SLACK) + " s");
    }

    // Reads every channel until the server closes it or the deadline passes; counts bytes received per channel.
    private static void awaitClosed(Selector selector, long deadline) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (System.nanoTime() < deadline && !selector.keys().isEmpty()) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            selector.select(left);
            for (SelectionKey key : selector.selectedKeys()) {
                SocketChannel channel = (SocketChannel) key.channel();
                buffer.clear();
                int n;
                try {
                    n = channel.read(buffer);
                } catch (IOException reset) {
                    n = -1;
                }
                Slow slow = (Slow) key.attachment();
                if (n < 0) {
                    slow.closed = true;
                    key.cancel();
                } else {
                    slow.received += n;
                }
            }
            selector.selectedKeys().clear();
            // Cancelled keys leave the key set at the next select.
            selector.selectNow();
            selector.selectedKeys().clear();
        }
    }
}
