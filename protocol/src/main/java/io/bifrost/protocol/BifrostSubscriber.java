package io.bifrost.protocol;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A websocket subscriber for JVM consumers and tests: authenticates on {@code /subscribe}, receives the gateway's
 * frames as typed {@link SubscriberEvent}s, remembers the last position of every channel, and resumes from them on
 * a fresh connection so that no accepted broadcast is missed. Only {@code java.net.http}; no other dependency.
 *
 * <pre>{@code
 * try (BifrostSubscriber subscriber = BifrostSubscriber.connect(URI.create("http://localhost:3000"))) {
 *     subscriber.authenticate(bifrost.tokenFor(List.of("user:1"), Duration.ofMinutes(1)), Map.of()); // opts in
 *     SubscriberEvent.Message item = subscriber.awaitMessage("new_item", Duration.ofSeconds(5));
 *     // ... the connection ends (a Closed event): resume where it stopped, on any instance
 *     subscriber.resume(bifrost.tokenFor(List.of("user:1"), Duration.ofMinutes(1)));
 *     Optional<SubscriberEvent> next = subscriber.next(Duration.ofSeconds(5)); // Subscribed, recovered or not
 * }
 * }</pre>
 *
 * <p>Every frame becomes one event, in the order received, duplicates included (so a test can see them). Events
 * wait in a bounded queue; while it is full the subscriber stops reading, and the gateway sees a slow consumer.
 * Websocket-level pings are answered by the JDK; {@link #ping()} sends the protocol's {@code {"event":"ping"}}.
 *
 * <p>Thread-safe: any thread may send, and several may take events (each event goes to one of them).
 */
public final class BifrostSubscriber implements AutoCloseable {
    static final int DEFAULT_CAPACITY = 10_000;
    static final Duration OPEN_TIMEOUT = Duration.ofSeconds(10);
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);
    static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    private static final int ABNORMAL_CLOSURE = 1006;

    private final URI uri;
    private final HttpClient http;
    private final boolean ownsHttp;
    private final int capacity;
    // Guards the queue, positions and the current connection; held only for short, non-blocking steps.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<SubscriberEvent> events = new ArrayDeque<>();
    private final Map<String, Position> positions = new LinkedHashMap<>();
    // The JDK refuses a send while another is pending: one at a time, each waited for.
    private final ReentrantLock sending = new ReentrantLock();
    // Opening, resuming and closing run one at a time.
    private final ReentrantLock lifecycle = new ReentrantLock();
    private Connection current;
    private boolean closed;

    private BifrostSubscriber(URI uri, HttpClient http, boolean ownsHttp, int capacity) {
        this.uri = uri;
        this.http = http;
        this.ownsHttp = ownsHttp;
        this.capacity = capacity;
    }

    /**
     * Opens a websocket to the gateway, on an HTTP client of its own that {@link #close()} shuts down.
     *
     * @param gateway the gateway's base URL ({@code http://host:3000}, {@code https://realtime.example.com/bifrost}),
     *                to which {@code subscribe} is appended, or a {@code ws://} / {@code wss://} URL used as it is
     * @return the connected subscriber, not yet authenticated
     * @throws IOException          when the connection or the upgrade fails
     * @throws InterruptedException when interrupted while connecting
     */
    public static BifrostSubscriber connect(URI gateway) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(OPEN_TIMEOUT).build();
        try {
            return connect(gateway, http, true, DEFAULT_CAPACITY);
        } catch (IOException | InterruptedException | RuntimeException e) {
            http.shutdownNow();
            throw e;
        }
    }

    /**
     * Opens a websocket to the gateway on a given HTTP client, e.g. one shared by many subscribers.
     *
     * @param gateway the gateway's base URL, to which {@code subscribe} is appended, or a {@code ws(s)://} URL
     * @param http    the client to open connections with; left open by {@link #close()}
     * @return the connected subscriber, not yet authenticated
     * @throws IOException          when the connection or the upgrade fails
     * @throws InterruptedException when interrupted while connecting
     */
    public static BifrostSubscriber connect(URI gateway, HttpClient http) throws IOException, InterruptedException {
        return connect(gateway, Objects.requireNonNull(http, "http"), false, DEFAULT_CAPACITY);
    }

    static BifrostSubscriber connect(URI gateway, HttpClient http, boolean ownsHttp, int capacity)
            throws IOException, InterruptedException {
        BifrostSubscriber subscriber = new BifrostSubscriber(subscribeUri(gateway), http, ownsHttp, capacity);
        subscriber.lifecycle.lock();
        try {
            Connection connection = subscriber.new Connection();
            subscriber.lock.lock();
            try {
                subscriber.current = connection;
            } finally {
                subscriber.lock.unlock();
            }
            subscriber.open(connection);
        } finally {
            subscriber.lifecycle.unlock();
        }
        return subscriber;
    }

    static URI subscribeUri(URI gateway) {
        String scheme = gateway.getScheme() == null ? "" : gateway.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "ws", "wss" -> gateway;
            case "http", "https" -> {
                String base = gateway.toString();
                yield URI.create((scheme.equals("https") ? "wss" : "ws") + base.substring(scheme.length())
                        + (base.endsWith("/") ? "subscribe" : "/subscribe"));
            }
            default -> throw new IllegalArgumentException("cannot open a websocket at " + gateway
                    + "; give the gateway's base URL (http://host:3000) or its ws://host:3000/subscribe URL");
        };
    }

    /**
     * @return the websocket URL this subscriber connects to
     */
    public URI uri() {
        return uri;
    }

    /**
     * Sends {@code {"event":"authenticate","data":token}}, as a core client does: the gateway answers with one
     * {@link SubscriberEvent.Subscribed} per channel of the token, without positions.
     *
     * @param token a subscribe token
     * @throws IOException when not connected or the send fails
     */
    public void authenticate(String token) throws IOException {
        send(new ClientFrame.Authenticate(Objects.requireNonNull(token, "token")).encode(), false);
    }

    /**
     * Sends {@code {"event":"authenticate","data":token,"since":{...}}}: opts this connection in to positions (every
     * message then carries its channel and id) and resumes each listed channel after its position. An empty map
     * sends {@code "since":{}}, which opts in with nothing to resume.
     *
     * @param token a subscribe token
     * @param since the last position seen per channel, e.g. from {@link #positions()}
     * @throws IOException when not connected or the send fails
     */
    public void authenticate(String token, Map<String, Position> since) throws IOException {
        Map<String, Object> positionsByChannel = new LinkedHashMap<>();
        since.forEach((channel, position) -> positionsByChannel.put(channel, position.toString()));
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("event", "authenticate");
        frame.put("data", Objects.requireNonNull(token, "token"));
        frame.put("since", positionsByChannel);
        send(Json.write(frame), true);
    }

    /**
     * Sends {@code {"event":"ping"}}; the gateway answers with a {@link SubscriberEvent.Pong}.
     *
     * @throws IOException when not connected or the send fails
     */
    public void ping() throws IOException {
        send(new ClientFrame.Ping().encode(), false);
    }

    /**
     * Takes the next event, waiting for one up to {@code timeout}.
     *
     * @param timeout how long to wait at most; zero to only take what has already arrived
     * @return the event, or empty when none came in time or none can come (the connection has ended and every
     *         event was taken)
     * @throws InterruptedException when interrupted while waiting
     */
    public Optional<SubscriberEvent> next(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (events.isEmpty()) {
                if (nanos <= 0 || !receiving()) {
                    return Optional.empty();
                }
                nanos = changed.awaitNanos(nanos);
            }
            SubscriberEvent event = events.removeFirst();
            Connection connection = current;
            if (connection != null && connection.starved && events.size() < capacity) {
                connection.starved = false;
                connection.socket.request(1);
            }
            return Optional.of(event);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes events until a message with the given event name arrives, for up to {@code timeout}. The events taken
     * before it are dropped.
     *
     * @param event   the message's {@code event}, e.g. {@code "new_item"}
     * @param timeout how long to wait at most
     * @return the message
     * @throws MessageNotReceivedException when it did not come in time or the connection ended first; it lists
     *                                     what arrived instead
     * @throws InterruptedException        when interrupted while waiting
     */
    public SubscriberEvent.Message awaitMessage(String event, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<SubscriberEvent> instead = new ArrayList<>();
        while (true) {
            Optional<SubscriberEvent> next = next(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (next.isPresent() && next.get() instanceof SubscriberEvent.Message m && m.event().equals(event)) {
                return m;
            }
            next.ifPresent(instead::add);
            // Past the deadline, a steady stream of other events must not keep the caller waiting.
            if (next.isEmpty() || deadline - System.nanoTime() <= 0) {
                throw new MessageNotReceivedException(event, timeout, instead, isOpen());
            }
        }
    }

    /**
     * The last position received per channel, from message ids. Within an epoch it never moves back; a new epoch
     * replaces it. A channel that came back {@code recovered:false} keeps its old position until a message of the
     * new epoch arrives, so that resuming before then reports the loss again instead of hiding it.
     *
     * @return a snapshot, in the order the channels were first seen
     */
    public Map<String, Position> positions() {
        lock.lock();
        try {
            return Collections.unmodifiableMap(new LinkedHashMap<>(positions));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the current connection (if still open) and authenticates on a fresh one with {@code since} set to
     * {@link #positions()}: the gateway, on whichever instance, sends what each channel missed, then live
     * messages. Events not yet taken stay queued ahead of the new connection's.
     *
     * @param token a subscribe token, usually freshly minted
     * @throws IOException          when the new connection or the authenticate fails
     * @throws InterruptedException when interrupted while connecting
     * @throws IllegalStateException after {@link #close()}
     */
    public void resume(String token) throws IOException, InterruptedException {
        Objects.requireNonNull(token, "token");
        lifecycle.lockInterruptibly();
        try {
            Connection old;
            lock.lock();
            try {
                checkNotClosed();
                old = current;
            } finally {
                lock.unlock();
            }
            if (old != null) {
                closeHandshake(old);
            }
            Connection fresh = new Connection();
            Map<String, Position> since;
            lock.lock();
            try {
                checkNotClosed();
                // Taken once the old connection delivers nothing more: every message up to here is accounted for.
                since = new LinkedHashMap<>(positions);
                current = fresh;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            open(fresh);
            authenticate(token, since);
        } finally {
            lifecycle.unlock();
        }
    }

    /** How many events wait to be taken: tests check the queue's bound with it. */
    int queued() {
        lock.lock();
        try {
            return events.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return whether the current connection is open: false once it ended or this subscriber was closed
     */
    public boolean isOpen() {
        lock.lock();
        try {
            return !closed && current != null && current.socket != null && !current.ended.isDone()
                    && !current.closing;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends close 1000, waits briefly (2 s at most) for the gateway's answer, then drops the connection and, when
     * this subscriber made its own HTTP client, shuts that down. Events already received can still be taken; nothing
     * can be sent any more. Idempotent.
     */
    @Override
    public void close() {
        lifecycle.lock();
        try {
            Connection connection;
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                connection = current;
            } finally {
                lock.unlock();
            }
            if (connection != null) {
                closeHandshake(connection);
            }
            lock.lock();
            try {
                current = null;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            if (ownsHttp) {
                http.shutdownNow();
            }
        } finally {
            lifecycle.unlock();
        }
    }

    private void checkNotClosed() {
        if (closed) {
            throw new IllegalStateException("this subscriber is closed; connect a new one");
        }
    }

    // Whether an event may still come: false once the connection ended or none is current.
    private boolean receiving() {
        return current != null && !current.ended.isDone();
    }

    private void open(Connection connection) throws IOException, InterruptedException {
        try {
            http.newWebSocketBuilder()
                    .connectTimeout(OPEN_TIMEOUT)
                    .buildAsync(uri, connection)
                    .get(OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            abandon(connection);
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException refused) {
                throw new IOException("the gateway refused the websocket upgrade at " + uri + " with HTTP "
                        + refused.getResponse().statusCode() + "; connect to its base URL or its /subscribe URL",
                        cause);
            }
            throw new IOException("cannot open a websocket to " + uri + ": " + describe(cause), cause);
        } catch (TimeoutException e) {
            abandon(connection);
            throw new IOException("no websocket to " + uri + " within " + OPEN_TIMEOUT, e);
        } catch (InterruptedException e) {
            abandon(connection);
            throw e;
        }
    }

    // A connection that failed to open is no longer current, and a late onOpen of it aborts the socket.
    private void abandon(Connection connection) {
        lock.lock();
        try {
            if (current == connection) {
                current = null;
            }
            connection.ended.complete(null);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void send(String text, boolean optIn) throws IOException {
        Connection connection;
        WebSocket socket;
        lock.lock();
        try {
            if (closed) {
                throw new IOException("this subscriber is closed; connect a new one");
            }
            connection = current;
            socket = connection == null ? null : connection.socket;
            if (socket == null || connection.ended.isDone() || connection.closing) {
                throw new IOException("not connected to " + uri + " (the connection ended: see its Closed event); "
                        + "call resume(token) for a fresh connection");
            }
            if (optIn) {
                // Before the frame leaves, so the first message frame with an id is read as one.
                connection.optedIn = true;
            }
        } finally {
            lock.unlock();
        }
        sendWaiting(connection, () -> socket.sendText(text, true));
    }

    private void sendWaiting(Connection connection, Supplier<CompletableFuture<WebSocket>> send)
            throws IOException {
        sending.lock();
        try {
            send.get().get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("could not send to " + uri + ": " + describe(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            // A send that cannot complete means a dead peer, and would block every later send: give the socket up.
            connection.socket.abort();
            ended(connection, new SubscriberEvent.Closed(ABNORMAL_CLOSURE, "send timed out after " + SEND_TIMEOUT));
            throw new IOException("could not send to " + uri + " within " + SEND_TIMEOUT + "; the connection is dropped",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while sending to " + uri);
            interrupted.initCause(e);
            throw interrupted;
        } finally {
            sending.unlock();
        }
    }

    // Bounded whatever the peer does: close 1000, wait up to CLOSE_WAIT for its answer, then drop the socket.
    private void closeHandshake(Connection connection) {
        WebSocket socket;
        lock.lock();
        try {
            connection.closing = true;
            socket = connection.socket;
        } finally {
            lock.unlock();
        }
        if (socket == null) {
            return;
        }
        try {
            if (!connection.ended.isDone()) {
                sendWaiting(connection, () -> socket.sendClose(WebSocket.NORMAL_CLOSURE, ""));
                connection.ended.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (IOException | ExecutionException | TimeoutException e) {
            // The abort below ends the connection all the same.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            socket.abort();
            ended(connection, null);
        }
    }

    private void ended(Connection connection, SubscriberEvent.Closed event) {
        lock.lock();
        try {
            if (connection.ended.complete(null) && event != null && connection == current && !connection.closing) {
                events.addLast(event);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // Called with the lock held, for the current connection only.
    private void deliver(Connection connection, WebSocket socket, SubscriberEvent event) {
        if (event instanceof SubscriberEvent.Message m && m.channel().isPresent() && m.id().isPresent()) {
            Position id = m.id().get();
            Position last = positions.get(m.channel().get());
            if (last == null || !last.epoch().equals(id.epoch()) || id.offset() > last.offset()) {
                positions.put(m.channel().get(), id);
            }
        }
        events.addLast(event);
        changed.signalAll();
        if (events.size() < capacity) {
            socket.request(1);
        } else {
            connection.starved = true;
        }
    }

    private static String describe(Throwable error) {
        return error == null ? "unknown" : error.getMessage() == null ? error.getClass().getName() : error.getMessage();
    }

    /**
     * One websocket connection: the JDK calls it with frames, one callback at a time. Its frames count only while it
     * is the subscriber's current connection; a superseded one's later frames come again on the resumed connection.
     */
    private final class Connection implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private final CompletableFuture<Void> ended = new CompletableFuture<>();
        // The fields below are guarded by the subscriber's lock.
        private WebSocket socket;
        private boolean optedIn;
        // Closed by this client: its end is no event.
        private boolean closing;
        // The queue was full when the last event came: reading resumes when one is taken.
        private boolean starved;

        @Override
        public void onOpen(WebSocket webSocket) {
            lock.lock();
            try {
                socket = webSocket;
                if (current != this) {
                    webSocket.abort();
                    return;
                }
            } finally {
                lock.unlock();
            }
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lock.lock();
            try {
                // java.net.http hands a long message over in parts; the frame is whole at its last one.
                text.append(data);
                if (!last) {
                    webSocket.request(1);
                    return null;
                }
                String frame = text.toString();
                text.setLength(0);
                if (current == this) {
                    deliver(this, webSocket, EventDecoder.decode(frame, optedIn));
                }
            } finally {
                lock.unlock();
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            lock.lock();
            try {
                if (!last) {
                    webSocket.request(1);
                } else if (current == this) {
                    deliver(this, webSocket, EventDecoder.unreadable("a binary frame; the protocol sends text",
                            data.remaining() + " bytes"));
                }
            } finally {
                lock.unlock();
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            ended(this, new SubscriberEvent.Closed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            ended(this, new SubscriberEvent.Closed(ABNORMAL_CLOSURE, "connection failed: " + describe(error)));
        }
    }
}
