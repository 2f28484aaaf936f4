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
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BifrostClientTest {
    private static final String SECRET = TokensTest.SECRET;

    /** What the fake gateway saw of one request. */
    record Received(String method, String path, String contentType, String body) {
    }

    /**
     * One scripted answer of the fake gateway.
     *
     * @param status     the status, or {@link #STALL} to answer nothing until the test ends
     * @param body       the body
     * @param retryAfter the {@code Retry-After} header, or null
     */
    record Answer(int status, String body, String retryAfter) {
        static final int STALL = -1;
    }

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<Answer> script = new LinkedBlockingQueue<>();
    private final CountDownLatch testOver = new CountDownLatch(1);
    private final Tokens tokens = new Tokens(SECRET);
    private ExecutorService handlers;
    private HttpServer server;
    private volatile int answerStatus = 200;
    private volatile String answerBody = "{\"message\":\"Success\",\"deliveries\":3}";

    @BeforeEach
    void startFakeGateway() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/", this::answer);
        // A stalled answer must not hold up the retry behind it.
        handlers = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(handlers);
        server.start();
    }

    @AfterEach
    void stopFakeGateway() {
        testOver.countDown();
        server.stop(0);
        handlers.close();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body));
            Answer scripted = script.poll();
            Answer next = scripted != null ? scripted : new Answer(answerStatus, answerBody, null);
            if (next.status() == Answer.STALL) {
                try {
                    testOver.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            byte[] answer = next.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (next.retryAfter() != null) {
                exchange.getResponseHeaders().set("Retry-After", next.retryAfter());
            }
            exchange.sendResponseHeaders(next.status(), answer.length == 0 ? -1 : answer.length);
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

    /** The requests of one broadcast: the client returns after its last answer, so all are already here. */
    private List<Received> requests(int expected) throws InterruptedException {
        List<Received> requests = new java.util.ArrayList<>();
        for (int i = 0; i < expected; i++) {
            Received request = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(request, "the fake gateway received " + i + " requests, expected " + expected);
            requests.add(request);
        }
        assertNull(received.poll(), "the fake gateway received more than " + expected + " requests");
        return requests;
    }

    /** The claims of a token the client minted, after checking its HS512 signature by hand. */
    private static Map<String, Object> claimsOf(String token) throws Exception {
        String[] parts = token.split("\\.");
        assertEquals(3, parts.length, token);
        assertEquals("{\"alg\":\"HS512\"}", TokensTest.unb64(parts[0]));
        String signature = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(TokensTest.mac(SECRET,
                HmacAlgorithm.HS512, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII)));
        assertEquals(signature, parts[2], "signature");
        return Json.parseObject(TokensTest.unb64(parts[1]));
    }

    /** Every attempt posted the one token, so the gateway sees the one jti. */
    private void assertOneTokenFor(List<Received> attempts) throws Exception {
        String first = tokenOf(attempts.get(0));
        for (Received attempt : attempts) {
            assertEquals(jtiOf(claimsOf(first)), jtiOf(claimsOf(tokenOf(attempt))), "jti of a retry");
            assertEquals(first, tokenOf(attempt), "token of a retry");
        }
    }

    private static String jtiOf(Map<String, Object> claims) {
        String jti = assertInstanceOf(String.class, claims.get("jti"), "jti in " + claims);
        assertEquals(jti, UUID.fromString(jti).toString(), "a random UUID");
        return jti;
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
        assertEquals(List.of("user:1"), claims.channels());
        assertEquals(Map.of("event", "new_item", "data", "{\"id\":7,\"name\":\"héllo ✓\"}"), claims.message().body());
        assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7,\\\"name\\\":\\\"héllo ✓\\\"}\"}",
                claims.message().encode());
        // A short-lived token: exp is the client's token lifetime after minting (whole seconds).
        Instant exp = claims.expiresAt().orElseThrow();
        assertTrue(!exp.isBefore(before.plus(client.tokenTtl()).truncatedTo(ChronoUnit.SECONDS))
                && !exp.isAfter(after.plus(client.tokenTtl())), exp + " not " + client.tokenTtl() + " after " + before);
    }

    @Test
    void aTokenLivesOneMinuteWithoutRetriesAndLongEnoughForEveryRetry() {
        assertEquals(Duration.ofMinutes(1),
                BifrostClient.builder(gateway(), SECRET).maxAttempts(1).build().tokenTtl());
        // Three attempts of up to 30 s, two waits of up to 10 s, and still the minute after the last one began.
        assertEquals(Duration.ofSeconds(60 + 2 * (30 + 10)), new BifrostClient(gateway(), SECRET).tokenTtl());
        assertEquals(Duration.ofSeconds(60 + 4 * (5 + 10)),
                BifrostClient.builder(gateway(), SECRET).maxAttempts(5).timeout(Duration.ofSeconds(5)).build()
                        .tokenTtl());
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
        assertEquals(List.of("global"), claims.channels());
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
    @ValueSource(ints = {302, 400, 404, 413, 429, 500, 502, 504})
    void otherFailureStatusesAreExceptionsAndNeverRetried(int status) throws Exception {
        answerStatus = status;
        answerBody = "{\"error\":\"nope\"}";
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        BifrostException e = assertThrows(BifrostException.class, () -> client.broadcast("user:1", "e", "d"));

        assertEquals(status, e.status());
        assertEquals("{\"error\":\"nope\"}", e.body());
        assertEquals(1, e.attempts());
        onlyRequest();
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
        assertEquals(3, e.attempts());
        assertInstanceOf(ConnectException.class, e.getCause());
        assertTrue(e.getMessage().startsWith("no answer from the Bifrost gateway (after 3 attempts): "),
                e.getMessage());
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

    @Test
    void everyBroadcastCarriesItsOwnJti() throws Exception {
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        client.broadcast("user:1", "e", "d");
        client.broadcast("user:1", "e", "d");

        List<Received> requests = requests(2);
        assertNotEquals(jtiOf(claimsOf(tokenOf(requests.get(0)))), jtiOf(claimsOf(tokenOf(requests.get(1)))));
    }

    @Test
    void retriesSendTheSameTokenSoTheJtiIsKept() throws Exception {
        script.add(new Answer(503, "{\"error\":\"Redis is unreachable\"}", "0"));
        script.add(new Answer(503, "{\"error\":\"Redis is unreachable\"}", "0"));
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        assertEquals(3, client.broadcast("user:1", "e", "d"));

        assertOneTokenFor(requests(3));
    }

    @Test
    void a503IsRetriedAfterItsRetryAfter() throws Exception {
        script.add(new Answer(503, "{\"error\":\"behind\"}", "1"));
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        assertEquals(3, client.broadcast("user:1", "e", "d"));

        assertOneTokenFor(requests(2));
    }

    @Test
    void threeAnswers503AreAnExceptionWithTheLastAnswer() throws Exception {
        script.add(new Answer(503, "{\"error\":\"first\"}", "0"));
        script.add(new Answer(503, "{\"error\":\"second\"}", "0"));
        script.add(new Answer(503, "{\"error\":\"third\"}", "0"));
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        BifrostException e = assertThrows(BifrostException.class, () -> client.broadcast("user:1", "e", "d"));

        assertEquals(503, e.status());
        assertEquals("{\"error\":\"third\"}", e.body());
        assertEquals(3, e.attempts());
        assertEquals("Bifrost gateway answered 503 (after 3 attempts): {\"error\":\"third\"}", e.getMessage());
        requests(3);
    }

    @Test
    void maxAttemptsBoundsTheRetries() throws Exception {
        answerStatus = 503;
        answerBody = "{\"error\":\"down\"}";
        BifrostClient once = BifrostClient.builder(gateway(), SECRET).maxAttempts(1).build();
        BifrostClient fiveTimes = BifrostClient.builder(gateway(), SECRET).maxAttempts(5).build();
        for (int i = 0; i < 5; i++) {
            script.add(new Answer(503, "{\"error\":\"down\"}", "0"));
        }

        assertEquals(5, assertThrows(BifrostException.class, () -> fiveTimes.broadcast("user:1", "e", "d")).attempts());
        requests(5);
        script.add(new Answer(503, "{\"error\":\"down\"}", "0"));
        assertEquals(1, assertThrows(BifrostException.class, () -> once.broadcast("user:1", "e", "d")).attempts());
        onlyRequest();
    }

    @Test
    void aDuplicateAnswerToARetryIsSuccess() throws Exception {
        script.add(new Answer(503, "{\"error\":\"behind\"}", "0"));
        answerBody = "{\"message\":\"Success\",\"deliveries\":0,\"duplicate\":true}";
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        assertEquals(0, client.broadcast("user:1", "e", "d"));

        assertOneTokenFor(requests(2));
    }

    @Test
    void aTimeoutIsRetriedWithTheSameToken() throws Exception {
        script.add(new Answer(Answer.STALL, "", null));
        BifrostClient client = BifrostClient.builder(gateway(), SECRET).timeout(Duration.ofMillis(300)).build();

        assertEquals(3, client.broadcast("user:1", "e", "d"));

        assertOneTokenFor(requests(2));
    }

    @Test
    void timeoutsOnEveryAttemptAreStatusZero() throws Exception {
        for (int i = 0; i < 2; i++) {
            script.add(new Answer(Answer.STALL, "", null));
        }
        BifrostClient client = BifrostClient.builder(gateway(), SECRET).timeout(Duration.ofMillis(300)).maxAttempts(2)
                .build();

        BifrostException e = assertThrows(BifrostException.class, () -> client.broadcast("user:1", "e", "d"));

        assertEquals(0, e.status());
        assertEquals(2, e.attempts());
        assertInstanceOf(java.net.http.HttpTimeoutException.class, e.getCause());
        requests(2);
    }

    @Test
    void anInterruptEndsTheWaitBeforeARetry() throws Exception {
        script.add(new Answer(503, "{\"error\":\"behind\"}", "10"));
        BifrostClient client = new BifrostClient(gateway(), SECRET);
        AtomicReference<BifrostException> thrown = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread publisher = Thread.ofPlatform().start(() -> {
            try {
                client.broadcast("user:1", "e", "d");
            } catch (BifrostException e) {
                thrown.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        assertNotNull(received.poll(10, TimeUnit.SECONDS), "no request");
        // Sending waits untimed; only the wait before the retry is TIMED_WAITING.
        for (int i = 0; i < 1000 && publisher.getState() != Thread.State.TIMED_WAITING; i++) {
            Thread.sleep(10);
        }
        assertEquals(Thread.State.TIMED_WAITING, publisher.getState());

        publisher.interrupt();
        publisher.join(Duration.ofSeconds(30));

        assertNotNull(thrown.get(), "the broadcast went on after the interrupt");
        assertEquals(503, thrown.get().status());
        assertEquals(1, thrown.get().attempts());
        assertInstanceOf(InterruptedException.class, thrown.get().getCause());
        assertEquals(true, stillInterrupted.get());
        assertNull(received.poll(), "retried after the interrupt");
    }

    @Test
    void retryAfterIsInSecondsWithADefaultAndACap() {
        assertEquals(Duration.ofSeconds(1), BifrostClient.retryDelay(Optional.empty()));
        assertEquals(Duration.ZERO, BifrostClient.retryDelay(Optional.of("0")));
        assertEquals(Duration.ofSeconds(3), BifrostClient.retryDelay(Optional.of("3")));
        assertEquals(Duration.ofSeconds(3), BifrostClient.retryDelay(Optional.of(" 3 ")));
        assertEquals(Duration.ofSeconds(10), BifrostClient.retryDelay(Optional.of("10")));
        assertEquals(Duration.ofSeconds(10), BifrostClient.retryDelay(Optional.of("11")));
        assertEquals(Duration.ofSeconds(10), BifrostClient.retryDelay(Optional.of("3600")));
        assertEquals(Duration.ofSeconds(10), BifrostClient.retryDelay(Optional.of("99999999999999999999999")));
        for (String unusable : List.of("", "-1", "+3", "1.5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT")) {
            assertEquals(Duration.ofSeconds(1), BifrostClient.retryDelay(Optional.of(unusable)), unusable);
        }
    }

    @Test
    void builderRefusesSettingsThatCannotWork() {
        BifrostClient.Builder builder = BifrostClient.builder(gateway(), SECRET);

        IllegalArgumentException attempts = assertThrows(IllegalArgumentException.class, () -> builder.maxAttempts(0));
        assertTrue(attempts.getMessage().contains("give 1 or more"), attempts.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.timeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> builder.timeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> builder.timeout(null));
    }

    @Test
    void batchSendsOneRequestWhoseTokenNamesEveryChannel() throws Exception {
        answerBody = "{\"message\":\"Success\",\"deliveries\":5}";
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        assertEquals(5, client.broadcast(List.of("user:1", "user:2", "global"), "new_item", "{\"id\":7}"));

        Map<String, Object> claims = claimsOf(tokenOf(onlyRequest()));
        assertEquals(List.of("user:1", "user:2", "global"), claims.get("channels"));
        assertTrue(!claims.containsKey("channel"), claims.toString());
        assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\"}", Json.write(claims.get("message")));
        jtiOf(claims);
        assertInstanceOf(Long.class, claims.get("exp"));
        assertEquals(java.util.Set.of("channels", "message", "jti", "exp"), claims.keySet());
    }

    @Test
    void batchOfAMessageObjectSendsItExactlyAndIsRetriedLikeAnyBroadcast() throws Exception {
        script.add(new Answer(503, "{\"error\":\"behind\"}", "0"));
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", "update");
        message.put("data", "{}");
        message.put("extra", List.of(1L, true));
        BifrostClient client = new BifrostClient(gateway(), SECRET);

        assertEquals(3, client.broadcast(List.of("a", "b"), message));

        List<Received> requests = requests(2);
        assertOneTokenFor(requests);
        Map<String, Object> claims = claimsOf(tokenOf(requests.get(0)));
        assertEquals(List.of("a", "b"), claims.get("channels"));
        assertEquals("{\"event\":\"update\",\"data\":\"{}\",\"extra\":[1,true]}", Json.write(claims.get("message")));
    }

    @Test
    void singleChannelTokensStillNameOneChannel() throws Exception {
        new BifrostClient(gateway(), SECRET).broadcast("user:1", "e", "d");

        Map<String, Object> claims = claimsOf(tokenOf(onlyRequest()));
        assertEquals(java.util.Set.of("channel", "message", "jti", "exp"), claims.keySet());
        assertEquals("user:1", claims.get("channel"));
    }
}
