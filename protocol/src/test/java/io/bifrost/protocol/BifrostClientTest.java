package io.bifrost.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BifrostClientTest {
    private static final String SECRET = TokensTest.SECRET;

    /** What the fake gateway saw of one request. */
    record Received(String method, String path, String contentType, String body) {
    }

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final Tokens tokens = new Tokens(SECRET);
    private HttpServer server;
    private volatile int answerStatus = 200;
    private volatile String answerBody = "{\"message\":\"Success\",\"deliveries\":3}";

    @BeforeEach
    void startFakeGateway() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    @AfterEach
    void stopFakeGateway() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body));
            byte[] answer = answerBody.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answerStatus, answer.length == 0 ? -1 : answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    private URI gateway() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private Received onlyRequest() throws InterruptedException {
        // The handler queues the request before it answers, so it is already here; the timeout only bounds a bug.
        Received request = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(request, "the fake gateway received no request");
        assertNull(received.poll(), "the fake gateway received more than one request");
        return request;
    }

    private String tokenOf(Received request) throws InvalidJsonException {
        Map<String, Object> body = Json.parseObject(request.body());
        assertEquals(List.of("token"), List.copyOf(body.keySet()), request.body());
        return assertInstanceOf(String.class, body.get("token"));
    }

    @Test
    void broadcastPostsASignedTokenAndReturnsDeliveries() throws Exception {
        BifrostClient client = new BifrostClient(gateway(), SECRET);
        Instant before = Instant.now();

        int deliveries = client.broadcast("user:1", "new_item", "{\"id\":7,\"name\":\"héllo ✓\"}");

        Instant after = Instant.now();
        assertEquals(3, deliveries);
        Received request = onlyRequest();
        assertEquals("POST", request.method());
        assertEquals("/broadcast", request.path());
        assertEquals("application/json", request.contentType());
        BroadcastClaims claims = tokens.verifyBroadcast(tokenOf(request));
        assertEquals("user:1", claims.channel());
        assertEquals(Map.of("event", "new_item", "data", "{\"id\":7,\"name\":\"héllo ✓\"}"), claims.message().body());
        assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7,\\\"name\\\":\\\"héllo ✓\\\"}\"}",
                claims.message().encode());
        // A short-lived token: exp is one minute after minting (whole seconds).
        Instant exp = claims.expiresAt().orElseThrow();
        assertTrue(!exp.isBefore(before.plus(BifrostClient.BROADCAST_TOKEN_TTL).truncatedTo(ChronoUnit.SECONDS))
                && !exp.isAfter(after.plus(BifrostClient.BROADCAST_TOKEN_TTL)), exp + " not one minute after " + before);
    }

    @Test
    void broadcastOfAMessageObjectSendsItExactly() throws Exception {
        BifrostClient client = new BifrostClient(gateway(), SECRET);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", "update");
        message.put("data", "{}");
        message.put("extra", List.of(1L, true));

        assertEquals(3, client.broadcast("global", message));

        BroadcastClaims claims = tokens.verifyBroadcast(tokenOf(onlyRequest()));
        assertEquals("global", claims.channel());
        assertEquals("{\"event\":\"update\",\"data\":\"{}\",\"extra\":[1,true]}", claims.message().encode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/bifrost", "/bifrost/"})
    void broadcastGoesToBroadcastUnderTheBaseUrl(String basePath) throws Exception {
        BifrostClient client = new BifrostClient(URI.create(gateway() + basePath), SECRET);

        client.broadcast("user:1", "e", "d");

        String prefix = basePath.endsWith("/") ? basePath : basePath + "/";
        assertEquals(prefix + "broadcast", onlyRequest().path());
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 206})
    void anyStatusUpTo206IsSuccess(int status) throws Exception {
        answerStatus = status;
        answerBody = "{\"message\":\"Success\",\"deliveries\":0}";

        assertEquals(0, new BifrostClient(gateway(), SECRET).broadcast("user:1", "e", "d"));
    }

    @Test
    void badSignatureAnswerIsAnException() {
        answerStatus = 400;
        answerBody = "{\"error\":\"Bad signature\"}";
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        BifrostException e = assertThrows(BifrostException.class, () -> client.broadcast("user:1", "e", "d"));

        assertEquals(400, e.status());
        assertEquals("{\"error\":\"Bad signature\"}", e.body());
        assertEquals("Bifrost gateway answered 400: {\"error\":\"Bad signature\"}", e.getMessage());
        assertNull(e.getCause());
    }

    @Test
    void status207IsAFailureAsInTheRubyGem() {
        answerStatus = 207;
        answerBody = "{\"message\":\"Success\",\"deliveries\":3}";
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        BifrostException e = assertThrows(BifrostException.class, () -> client.broadcast("user:1", "e", "d"));

        assertEquals(207, e.status());
        assertEquals("{\"message\":\"Success\",\"deliveries\":3}", e.body());
    }

    @ParameterizedTest
    @ValueSource(ints = {302, 404, 413, 500, 503})
    void otherFailureStatusesAreExceptions(int status) {
        answerStatus = status;
        answerBody = "{\"error\":\"nope\"}";
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        BifrostException e = assertThrows(BifrostException.class, () -> client.broadcast("user:1", "e", "d"));

        assertEquals(status, e.status());
        assertEquals("{\"error\":\"nope\"}", e.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"message\":\"Success\"}", "{\"deliveries\":\"3\"}", "not json", "[3]", ""})
    void successWithoutNumericDeliveriesIsAnException(String body) {
        answerBody = body;
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        BifrostException e = assertThrows(BifrostException.class, () -> client.broadcast("user:1", "e", "d"));

        assertEquals(200, e.status());
        assertEquals(body, e.body());
    }

    @Test
    void noAnswerIsStatusZero() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        BifrostClient client = new BifrostClient(URI.create("http://127.0.0.1:" + closedPort), SECRET);

        BifrostException e = assertThrows(BifrostException.class, () -> client.broadcast("user:1", "e", "d"));

        assertEquals(0, e.status());
        assertEquals("", e.body());
        assertInstanceOf(ConnectException.class, e.getCause());
        assertTrue(e.getMessage().startsWith("no answer from the Bifrost gateway: "), e.getMessage());
        assertTrue(!e.getMessage().endsWith("null"), e.getMessage());
    }

    @Test
    void tokenForMintsASubscribeTokenTheGatewayAccepts() throws Exception {
        BifrostClient client = new BifrostClient(gateway(), SECRET);
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        String token = client.tokenFor(List.of("user:1", "global"), Duration.ofMinutes(1));

        SubscribeClaims claims = tokens.verifySubscribe(token);
        assertEquals(List.of("user:1", "global"), claims.channels());
        assertTrue(!claims.expiresAt().orElseThrow().isBefore(before.plusSeconds(60)), claims.toString());
        assertEquals("{\"alg\":\"HS512\"}", TokensTest.unb64(token.split("\\.")[0]));
    }

    @Test
    void tokenForWithoutTtlNeverExpires() throws Exception {
        String token = new BifrostClient(gateway(), SECRET).tokenFor(List.of("user:1"), null);

        assertEquals(new SubscribeClaims(List.of("user:1"), Optional.empty()), tokens.verifySubscribe(token));
    }

    @Test
    void tokenForWithAnotherSecretIsRefused() {
        String token = new BifrostClient(gateway(), TokensTest.OTHER_SECRET).tokenFor(List.of("user:1"), null);

        assertEquals(TokenException.Reason.BAD_SIGNATURE,
                assertThrows(TokenException.class, () -> tokens.verifySubscribe(token)).reason());
    }

    @Test
    void shortSecretIsRefusedWhenTheClientIsCreated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BifrostClient(gateway(), "short"));

        assertTrue(e.getMessage().contains("at least 64"), e.getMessage());
    }
}
