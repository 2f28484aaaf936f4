package io.bifrost.protocol;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BifrostSubscriberTest {
    // Only ever a bound: every wait ends as soon as what it waits for arrives.
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration FOREVER = Duration.ofHours(1);

    private TinyWebSocketServer server;
    private final List<BifrostSubscriber> subscribers = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = new TinyWebSocketServer();
    }

    @AfterEach
    void stop() throws Exception {
        subscribers.forEach(BifrostSubscriber::close);
        server.close();
    }

    private BifrostSubscriber connect() throws Exception {
        return keep(BifrostSubscriber.connect(server.base()));
    }

    private BifrostSubscriber keep(BifrostSubscriber subscriber) {
        subscribers.add(subscriber);
        return subscriber;
    }

    private static SubscriberEvent next(BifrostSubscriber subscriber) throws InterruptedException {
        return subscriber.next(WAIT).orElseThrow(() -> new AssertionError("no event within " + WAIT));
    }

    private static String message(String event, String data, String channel, String id) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("event", event);
        frame.put("data", data);
        frame.put("channel", channel);
        frame.put("id", id);
        return Json.write(frame);
    }

    private static String subscribed(String channel, boolean recovered, long missed) {
        return "{\"event\":\"subscribed\",\"data\":" + Json.quote("{\"channel\":" + Json.quote(channel)
                + ",\"recovered\":" + recovered + ",\"missed\":" + missed + "}") + "}";
    }

    private static SubscriberEvent.Message expected(String event, String data, String channel, String id) {
        return new SubscriberEvent.Message(Optional.of(channel), Position.parse(id), event, data,
                message(event, data, channel, id));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "/bifrost", "/bifrost/"})
    void connectsToSubscribeUnderTheBaseUrl(String basePath) throws Exception {
        BifrostSubscriber subscriber = keep(BifrostSubscriber.connect(URI.create(server.base() + basePath)));

        String prefix = basePath.endsWith("/") ? basePath : basePath + "/";
        assertEquals(prefix + "subscribe", server.accept().path());
        assertTrue(subscriber.isOpen());
    }

    @Test
    void aWebsocketUrlIsUsedAsGivenOnTheGivenHttpClient() throws Exception {
        URI ws = URI.create("ws://127.0.0.1:" + server.base().getPort() + "/elsewhere/ws");
        HttpClient http = HttpClient.newHttpClient();
        try {
            BifrostSubscriber subscriber = BifrostSubscriber.connect(ws, http);

            assertEquals("/elsewhere/ws", server.accept().path());
            assertEquals(ws, subscriber.uri());
            subscriber.close();
            assertFalse(http.isTerminated(), "closed a client it was given");
        } finally {
            http.shutdownNow();
        }
    }

    @Test
    void urlSchemesMapToWebsocketSchemes() {
        assertEquals(URI.create("wss://realtime.example.com/subscribe"),
                BifrostSubscriber.subscribeUri(URI.create("https://realtime.example.com")));
        assertEquals(URI.create("ws://h:3000/subscribe"), BifrostSubscriber.subscribeUri(URI.create("HTTP://h:3000/")));
        assertEquals(URI.create("wss://h/x"), BifrostSubscriber.subscribeUri(URI.create("wss://h/x")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BifrostSubscriber.subscribeUri(URI.create("ftp://h/")));
        assertTrue(e.getMessage().contains("give the gateway's base URL"), e.getMessage());
    }

    @Test
    void aRefusedUpgradeNamesTheStatus() {
        server.refuseWith(503);

        IOException e = assertThrows(IOException.class, () -> keep(BifrostSubscriber.connect(server.base())));

        assertTrue(e.getMessage().contains("refused the websocket upgrade at ws://127.0.0.1:"
                + server.base().getPort() + "/subscribe with HTTP 503"), e.getMessage());
    }

    @Test
    void authenticateSendsTheCoreFrame() throws Exception {
        BifrostSubscriber subscriber = connect();

        subscriber.authenticate("a.b.c");

        assertEquals("{\"event\":\"authenticate\",\"data\":\"a.b.c\"}", server.accept().nextText());
    }

    @Test
    void authenticateWithSinceSendsEveryPositionInOrder() throws Exception {
        BifrostSubscriber subscriber = connect();
        Map<String, Position> since = new LinkedHashMap<>();
        since.put("user:1", new Position("k3x9", 17));
        since.put("global", new Position("a1b2", 5));

        subscriber.authenticate("a.b.c", since);

        assertEquals("{\"event\":\"authenticate\",\"data\":\"a.b.c\",\"since\":{\"user:1\":\"k3x9:17\","
                + "\"global\":\"a1b2:5\"}}", server.accept().nextText());
    }

    @Test
    void anEmptySinceOptsIn() throws Exception {
        BifrostSubscriber subscriber = connect();

        subscriber.authenticate("a.b.c", Map.of());

        assertEquals("{\"event\":\"authenticate\",\"data\":\"a.b.c\",\"since\":{}}", server.accept().nextText());
    }

    @Test
    void pingSendsThePingEvent() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();

        subscriber.ping();
        peer.sendText("{\"event\":\"pong\"}");

        assertEquals("{\"event\":\"ping\"}", peer.nextText());
        assertEquals(new SubscriberEvent.Pong(), next(subscriber));
    }

    @Test
    void eventsArriveTypedAndInOrder() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();
        subscriber.authenticate("a.b.c", Map.of());
        peer.nextText();

        peer.sendText(subscribed("user:1", true, 3));
        peer.sendText(message("new_item", "{\"id\":7}", "user:1", "k3x9:18"));
        peer.sendText("{\"event\":\"pong\"}");
        peer.sendText(new ServerFrame.Error("frame is not valid JSON").encode());
        peer.sendClose(1008, "Not Authorized!");

        assertEquals(new SubscriberEvent.Subscribed("user:1", Optional.of(true), OptionalLong.of(3)), next(subscriber));
        assertEquals(expected("new_item", "{\"id\":7}", "user:1", "k3x9:18"), next(subscriber));
        assertEquals(new SubscriberEvent.Pong(), next(subscriber));
        assertEquals(new SubscriberEvent.Error("frame is not valid JSON"), next(subscriber));
        assertEquals(new SubscriberEvent.Closed(1008, "Not Authorized!"), next(subscriber));
        assertFalse(subscriber.isOpen());
    }

    @Test
    void aCoreSocketsMessagesHaveNoPosition() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();
        subscriber.authenticate("a.b.c");
        peer.nextText();
        String text = message("new_item", "{}", "user:1", "k3x9:18");

        peer.sendText(text);

        assertEquals(new SubscriberEvent.Message(Optional.empty(), Optional.empty(), "new_item", "{}", text),
                next(subscriber));
        assertEquals(Map.of(), subscriber.positions());
    }

    @Test
    void positionsFollowMessageIdsAndNeverMoveBackWithinAnEpoch() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();
        subscriber.authenticate("a.b.c", Map.of());
        peer.nextText();

        peer.sendText(message("e", "1", "user:1", "k3x9:1"));
        peer.sendText(message("e", "2", "global", "a1b2:5"));
        peer.sendText(message("e", "3", "user:1", "k3x9:2"));
        peer.sendText(message("e", "2 again", "user:1", "k3x9:1"));
        peer.sendText(message("e", "new epoch", "global", "c3d4:1"));
        peer.sendText(subscribed("user:1", false, 0));

        List<SubscriberEvent> events = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            events.add(next(subscriber));
        }
        // The duplicate is delivered (a test must be able to see it) but does not move the position back.
        assertEquals(expected("e", "2 again", "user:1", "k3x9:1"), events.get(3));
        Map<String, Position> positions = subscriber.positions();
        assertEquals(List.of("user:1", "global"), List.copyOf(positions.keySet()));
        // recovered:false keeps the old position, so a resume before the next message reports the loss again.
        assertEquals(new Position("k3x9", 2), positions.get("user:1"));
        assertEquals(new Position("c3d4", 1), positions.get("global"));
        assertThrows(UnsupportedOperationException.class, () -> positions.put("x", new Position("a", 1)));
    }

    @Test
    void resumeAfterTheGatewayClosedAuthenticatesOnAFreshConnectionWithThePositions() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer first = server.accept();
        subscriber.authenticate("first", Map.of());
        first.nextText();
        first.sendText(message("e", "1", "user:1", "k3x9:17"));
        first.sendText(message("e", "2", "global", "a1b2:5"));
        first.sendClose(1012, "draining");
        assertEquals(expected("e", "1", "user:1", "k3x9:17"), next(subscriber));
        assertEquals(expected("e", "2", "global", "a1b2:5"), next(subscriber));
        assertEquals(new SubscriberEvent.Closed(1012, "draining"), next(subscriber));
        IOException notConnected = assertThrows(IOException.class, subscriber::ping);
        assertTrue(notConnected.getMessage().contains("call resume(token)"), notConnected.getMessage());

        subscriber.resume("second");

        TinyWebSocketServer.Peer second = server.accept();
        assertEquals("/subscribe", second.path());
        assertEquals("{\"event\":\"authenticate\",\"data\":\"second\",\"since\":{\"user:1\":\"k3x9:17\","
                + "\"global\":\"a1b2:5\"}}", second.nextText());
        second.sendText(subscribed("user:1", true, 1));
        second.sendText(message("e", "3", "user:1", "k3x9:18"));
        assertEquals(new SubscriberEvent.Subscribed("user:1", Optional.of(true), OptionalLong.of(1)), next(subscriber));
        assertEquals(expected("e", "3", "user:1", "k3x9:18"), next(subscriber));
        assertEquals(new Position("k3x9", 18), subscriber.positions().get("user:1"));
    }

    @Test
    void resumeWhileOpenClosesTheOldConnectionWith1000AndKeepsItsUntakenEvents() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer first = server.accept();
        subscriber.authenticate("first", Map.of());
        first.nextText();
        first.sendText(message("e", "1", "user:1", "k3x9:17"));
        first.sendText("{\"event\":\"pong\"}");
        assertTrue(awaitPositions(subscriber, Map.of("user:1", new Position("k3x9", 17))));

        subscriber.resume("second");

        assertEquals(1000, first.next().closeCode());
        TinyWebSocketServer.Peer second = server.accept();
        assertEquals("{\"event\":\"authenticate\",\"data\":\"second\",\"since\":{\"user:1\":\"k3x9:17\"}}",
                second.nextText());
        second.sendText(message("e", "2", "user:1", "k3x9:18"));
        assertEquals(expected("e", "1", "user:1", "k3x9:17"), next(subscriber));
        assertEquals(new SubscriberEvent.Pong(), next(subscriber));
        // No Closed event for the connection this client closed itself.
        assertEquals(expected("e", "2", "user:1", "k3x9:18"), next(subscriber));
    }

    private static boolean awaitPositions(BifrostSubscriber subscriber, Map<String, Position> expected)
            throws InterruptedException {
        for (long deadline = System.nanoTime() + WAIT.toNanos(); System.nanoTime() - deadline < 0; ) {
            if (subscriber.positions().equals(expected)) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    @Test
    void fragmentedFramesAreJoinedEvenInsideACharacter() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();
        String text = "{\"event\":\"e\",\"data\":\"héllo ✓ 🌈\"}";
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int inEAcute = text.indexOf('é') + 1 + 1;
        int inRainbow = utf8.length - 4;

        peer.sendFragmented(utf8, 5, inEAcute, inRainbow);

        SubscriberEvent.Message message = assertInstanceOf(SubscriberEvent.Message.class, next(subscriber));
        assertEquals("héllo ✓ 🌈", message.data());
        assertEquals(text, message.json());
    }

    @Test
    void aLongFrameArrivesWhole() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();
        String data = "x".repeat(300_000) + "✓";
        String text = "{\"event\":\"big\",\"data\":" + Json.quote(data) + "}";

        peer.sendText(text);

        SubscriberEvent.Message message = assertInstanceOf(SubscriberEvent.Message.class, next(subscriber));
        assertEquals(data, message.data());
        assertEquals(Optional.empty(), subscriber.next(Duration.ZERO));
    }

    @Test
    void websocketPingsAreAnsweredWithoutAnEvent() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();

        peer.sendPing("hi".getBytes(StandardCharsets.US_ASCII));

        TinyWebSocketServer.Frame pong = peer.next();
        assertEquals(10, pong.opcode());
        assertEquals("hi", pong.text());
        assertEquals(Optional.empty(), subscriber.next(Duration.ZERO));
    }

    @Test
    void aBinaryFrameIsAnError() throws Exception {
        BifrostSubscriber subscriber = connect();
        server.accept().sendBinary(new byte[]{1, 2, 3});

        SubscriberEvent.Error error = assertInstanceOf(SubscriberEvent.Error.class, next(subscriber));
        assertEquals("the gateway sent a frame that is not a protocol frame (a binary frame; the protocol sends "
                + "text): 3 bytes", error.text());
    }

    @Test
    void closeSends1000AndThenNothingMoreComes() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();

        subscriber.close();

        assertEquals(1000, peer.next().closeCode());
        assertFalse(subscriber.isOpen());
        assertEquals(Optional.empty(), assertTimeoutPreemptively(WAIT, () -> subscriber.next(FOREVER)));
        assertThrows(IOException.class, subscriber::ping);
        assertThrows(IllegalStateException.class, () -> subscriber.resume("t"));
        subscriber.close();
    }

    @Test
    void afterTheGatewayClosedNextReturnsAtOnce() throws Exception {
        BifrostSubscriber subscriber = connect();
        server.accept().sendClose(4001, "ping timeout");

        assertEquals(new SubscriberEvent.Closed(4001, "ping timeout"), next(subscriber));
        assertEquals(Optional.empty(), assertTimeoutPreemptively(WAIT, () -> subscriber.next(FOREVER)));
    }

    @Test
    void aDroppedConnectionIsClosed1006() throws Exception {
        BifrostSubscriber subscriber = connect();
        server.accept().drop();

        SubscriberEvent.Closed closed = assertInstanceOf(SubscriberEvent.Closed.class, next(subscriber));
        assertEquals(1006, closed.code());
    }

    @Test
    void awaitMessageTakesEventsUntilTheOneAwaited() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();
        subscriber.authenticate("t", Map.of());
        peer.nextText();
        peer.sendText(subscribed("user:1", true, 0));
        peer.sendText(message("other", "0", "user:1", "k:1"));
        peer.sendText(message("new_item", "{\"id\":7}", "user:1", "k:2"));
        peer.sendText(message("after", "", "user:1", "k:3"));

        assertEquals(expected("new_item", "{\"id\":7}", "user:1", "k:2"), subscriber.awaitMessage("new_item", WAIT));
        assertEquals(expected("after", "", "user:1", "k:3"), next(subscriber));
    }

    @Test
    void awaitMessageSaysWhatArrivedInstead() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();
        peer.sendText(new ServerFrame.Subscribed("user:1").encode());
        peer.sendText("{\"event\":\"other\",\"data\":\"0\"}");
        peer.sendText("{\"event\":\"pong\"}");
        // Once the pong is here, so is everything before it.
        assertTrue(awaitQueued(subscriber, 3));

        MessageNotReceivedException e = assertThrows(MessageNotReceivedException.class,
                () -> subscriber.awaitMessage("new_item", Duration.ofMillis(200)));

        assertEquals("new_item", e.event());
        List<SubscriberEvent> expected = List.of(
                new SubscriberEvent.Subscribed("user:1", Optional.empty(), OptionalLong.empty()),
                new SubscriberEvent.Message(Optional.empty(), Optional.empty(), "other", "0",
                        "{\"event\":\"other\",\"data\":\"0\"}"),
                new SubscriberEvent.Pong());
        assertEquals(expected, e.arrived());
        assertEquals("no \"new_item\" message within PT0.2S; arrived instead: " + expected, e.getMessage());
    }

    private static boolean awaitQueued(BifrostSubscriber subscriber, int count) throws InterruptedException {
        for (long deadline = System.nanoTime() + WAIT.toNanos(); System.nanoTime() - deadline < 0; ) {
            if (subscriber.queued() >= count) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    @Test
    void awaitMessageGivesUpAtOnceWhenTheConnectionEnds() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();
        peer.sendText("{\"event\":\"other\",\"data\":\"0\"}");
        peer.sendClose(1012, "draining");

        MessageNotReceivedException e = assertTimeoutPreemptively(WAIT, () -> assertThrows(
                MessageNotReceivedException.class, () -> subscriber.awaitMessage("new_item", FOREVER)));

        assertEquals(2, e.arrived().size());
        assertEquals(new SubscriberEvent.Closed(1012, "draining"), e.arrived().get(1));
        assertTrue(e.getMessage().startsWith("no \"new_item\" message before the connection ended; arrived instead: "),
                e.getMessage());
    }

    @Test
    void aFullQueueStopsReadingUntilEventsAreTaken() throws Exception {
        BifrostSubscriber subscriber = keep(BifrostSubscriber.connect(server.base(), HttpClient.newHttpClient(), true, 2));
        TinyWebSocketServer.Peer peer = server.accept();
        for (int i = 1; i <= 50; i++) {
            peer.sendText("{\"event\":\"e\",\"data\":\"" + i + "\"}");
        }
        peer.sendPing(new byte[0]);
        assertTrue(awaitQueued(subscriber, 2));
        assertNull(peer.nextNow(), "the ping was read while the queue was full");

        int mostQueued = 0;
        for (int i = 1; i <= 50; i++) {
            mostQueued = Math.max(mostQueued, subscriber.queued());
            assertEquals(String.valueOf(i), assertInstanceOf(SubscriberEvent.Message.class, next(subscriber)).data());
        }

        assertEquals(2, mostQueued);
        // The ping behind the 50 messages is read, and answered, once they have all been taken.
        assertEquals(10, peer.next().opcode());
    }

    @Test
    void concurrentTakersGetEveryEventOnceAndConcurrentSendsAllLeave() throws Exception {
        BifrostSubscriber subscriber = connect();
        TinyWebSocketServer.Peer peer = server.accept();
        int count = 400;
        Set<String> taken = ConcurrentHashMap.newKeySet();
        List<String> duplicates = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                work.add(threads.submit(() -> {
                    for (int i = 0; i < count / 4; i++) {
                        String data = assertInstanceOf(SubscriberEvent.Message.class, next(subscriber)).data();
                        if (!taken.add(data)) {
                            duplicates.add(data);
                        }
                    }
                    return null;
                }));
                work.add(threads.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        subscriber.ping();
                    }
                    return null;
                }));
            }
            for (int i = 0; i < count; i++) {
                peer.sendText("{\"event\":\"e\",\"data\":\"" + i + "\"}");
            }
            for (Future<?> future : work) {
                future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        assertEquals(List.of(), duplicates);
        assertEquals(count, taken.size());
        for (int i = 0; i < 100; i++) {
            assertEquals("{\"event\":\"ping\"}", peer.nextText());
        }
        assertNull(peer.nextNow());
    }
}
