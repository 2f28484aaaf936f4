package io.bifrost.it.edge;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static io.bifrost.it.edge.Edge.assertNoInternalText;
import static io.bifrost.it.edge.Edge.assertNothingDelivered;
import static io.bifrost.it.edge.Edge.assertNothingDeliveredBefore;
import static io.bifrost.it.edge.Edge.broadcastBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 3, request smuggling: a request hidden behind {@code Connection: close} or behind ambiguous framing must
 * never run. Each attempt carries a valid broadcast token for a channel a socket holds, so anything executed would be
 * delivered; every attempt gets exactly one answer, the connection is closed, and the socket receives nothing.
 */
class SmugglingIT {

    private static GatewayProcess gateway;
    private static int attempts;

    // A channel and socket per attempt, so an attempt that did deliver cannot be blamed on the next one.
    private String channel;
    private WsClient subscriber;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        gateway = GatewayProcess.start(Edge.production("BIFROST_HTTP_HEADER_TIMEOUT_SECONDS", "3"), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @BeforeEach
    void subscribe() throws Exception {
        channel = "smuggled-" + ++attempts;
        subscriber = TestGateway.subscriber(gateway.uri(), channel);
    }

    @AfterEach
    void unsubscribe() {
        subscriber.close();
    }

    @Test
    void getWithConnectionCloseIsAnsweredOnceAndItsBodyIsNeverRunAsARequest() throws Exception {
        String hidden = Edge.post("/broadcast", broadcastBody(channel, "smuggled", "via a GET body"), "");
        String request = "GET /info.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: "
                + hidden.length() + "\r\n\r\n" + hidden;

        RawHttp.Exchange exchange = RawHttp.exchange(gateway.uri(), request, Edge.ANSWER);

        assertEquals(200, exchange.only().status(), exchange.text());
        assertTrue(exchange.closed(), "the connection must be closed after the answer:\n" + exchange.text());
        assertNothingDelivered(gateway.uri(), subscriber, channel);
    }

    @Test
    void requestPipelinedBehindConnectionCloseIsNeverRun() throws Exception {
        String request = "GET /info.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                + Edge.post("/broadcast", broadcastBody(channel, "smuggled", "pipelined"), "");

        RawHttp.Exchange exchange = RawHttp.exchange(gateway.uri(), request, Edge.ANSWER);

        assertEquals(200, exchange.only().status(), exchange.text());
        assertTrue(exchange.closed(), "the connection must be closed after the answer:\n" + exchange.text());
        assertNothingDelivered(gateway.uri(), subscriber, channel);
    }

    static Stream<Arguments> ambiguousFraming() {
        // Placeholders: each attempt fills in a broadcast to its own channel (@BODY@) and that body's length.
        String body = "@BODY@";
        String n = "@LENGTH@";
        String chunked = "@HEXLENGTH@\r\n" + body + "\r\n0\r\n\r\n";
        return Stream.of(
                Arguments.of("two differing Content-Length", "Content-Length: " + n + "\r\nContent-Length: 2\r\n",
                        body),
                Arguments.of("two equal Content-Length", "Content-Length: " + n + "\r\nContent-Length: " + n + "\r\n",
                        body),
                Arguments.of("negative Content-Length", "Content-Length: -1\r\n", body),
                Arguments.of("non-numeric Content-Length", "Content-Length: 1x\r\n", body),
                Arguments.of("Content-Length with Transfer-Encoding",
                        "Content-Length: " + n + "\r\nTransfer-Encoding: chunked\r\n", chunked),
                Arguments.of("Transfer-Encoding: gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n", chunked),
                Arguments.of("Transfer-Encoding: chunked, identity", "Transfer-Encoding: chunked, identity\r\n",
                        chunked),
                Arguments.of("Transfer-Encoding: identity", "Transfer-Encoding: identity\r\n", body),
                Arguments.of("chunk size zz", "Transfer-Encoding: chunked\r\n", "zz\r\n" + body + "\r\n0\r\n\r\n"),
                Arguments.of("chunk size -1", "Transfer-Encoding: chunked\r\n", "-1\r\n" + body + "\r\n0\r\n\r\n"),
                Arguments.of("chunk size beyond 64 bits", "Transfer-Encoding: chunked\r\n",
                        "1ffffffffffffffff\r\n" + body + "\r\n0\r\n\r\n"),
                Arguments.of("chunk data without its CRLF", "Transfer-Encoding: chunked\r\n",
                        "@HEXLENGTH@\r\n" + body + "0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ambiguousFraming")
    void ambiguousFramingGetsExactlyOne400AndTheConnectionClosed(String attack, String framing, String body)
            throws Exception {
        String token = broadcastBody(channel, "smuggled", "ambiguous framing");
        int length = token.getBytes(StandardCharsets.UTF_8).length;
        String request = ("POST /broadcast HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + framing + "\r\n" + body)
                .replace("@BODY@", token)
                .replace("@HEXLENGTH@", Integer.toHexString(length))
                .replace("@LENGTH@", Integer.toString(length));

        RawHttp.Exchange exchange = RawHttp.exchange(gateway.uri(), request, Edge.ANSWER);

        RawHttp.Response answer = exchange.only();
        assertEquals(400, answer.status(), attack + ":\n" + exchange.text());
        assertNoInternalText(attack + " answer", answer.body());
        assertTrue(exchange.closed(), attack + ": the connection must be closed after the 400:\n" + exchange.text());
        assertNothingDeliveredBefore(gateway.uri(), subscriber, channel);
    }
}
