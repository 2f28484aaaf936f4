package io.bifrost.gateway.ws;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import io.bifrost.gateway.hub.Delivery;
import io.bifrost.gateway.hub.Subscriber;
import io.bifrost.gateway.hub.WireFrame;
import io.bifrost.gateway.ops.LogText;
import io.bifrost.protocol.ClientFrame;
import io.bifrost.protocol.InvalidFrameException;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.ServerFrame;
import io.bifrost.protocol.SubscribeClaims;
import io.bifrost.protocol.TokenException;

/**
 * One client socket's protocol: what it sent (on the connection's own thread, from {@link WsConnection}) and what it
 * is sent (the {@link Subscriber} side, from any thread, through its {@link Outbox}).
 *
 * <p>States: awaiting authentication → open → closing (close frame queued, subscriptions released) → closed.
 */
final class Session implements Subscriber, Outbox.Owner {
    private static final System.Logger LOG = System.getLogger(Session.class.getName());
    private static final WireFrame PONG_EVENT = WireFrame.text(new ServerFrame.Pong().encode());

    private final Sessions sessions;
    private final WsConnection connection;
    private final Outbox outbox;
    private final long id;
    private final long openedNanos = System.nanoTime();

    private final ReentrantLock membership = new ReentrantLock();
    private final Set<String> channels = new LinkedHashSet<>();
    private volatile boolean authenticated;
    // Set by an authenticate with "since": from then on frames carry channel and position.
    private volatile boolean optedIn;

    private final AtomicReference<Closing> closing = new AtomicReference<>();
    private final AtomicBoolean terminated = new AtomicBoolean();

    // Set in the constructor: the first ping comes at a random point of the first interval.
    private volatile long lastPingNanos;
    private volatile boolean awaitingPong;

    Session(Sessions sessions, WsConnection connection, long id) {
        this.sessions = sessions;
        this.connection = connection;
        this.id = id;
        this.outbox = new Outbox(connection.writer(), sessions.hub().backlog(), sessions.executor(),
                sessions.limits().sendQueueBytes(), this);
        // Sockets that connected together (a deploy, a reconnect storm) would otherwise be pinged together forever:
        // one burst of writes per interval that delays whatever broadcast it meets.
        long interval = sessions.limits().pingInterval().toNanos();
        this.lastPingNanos = openedNanos - ThreadLocalRandom.current().nextLong(interval);
    }

    // ---- inbound: the connection's thread ----

    /**
     * Handles what the client sent.
     *
     * @param inbound a message or control frame
     * @return false when the connection should stop reading (the closing handshake is done)
     */
    boolean received(Inbound inbound) {
        awaitingPong = false;
        switch (inbound) {
            case Inbound.Text text -> {
                if (closing.get() == null) {
                    handle(text.text());
                }
            }
            case Inbound.Binary binary -> close(CloseReason.BINARY_FRAME);
            case Inbound.Ping ping -> outbox.offer(WireFrame.pong(ping.payload()));
            case Inbound.Pong pong -> {
                // Liveness only, recorded above.
            }
            case Inbound.Close close -> {
                // Answer with the client's code (RFC 6455 section 5.5.1), unless a close of ours is already out.
                int code = close.code() == FrameReader.NO_STATUS ? CloseReason.NORMAL.code() : close.code();
                closeWith(CloseReason.NORMAL, WireFrame.close(code, ""), false);
                return false;
            }
        }
        return true;
    }

    /**
     * The client broke the protocol: the close frame replaces whatever was queued, and nothing more is read.
     *
     * @param violation what it did
     */
    void violated(ProtocolViolation violation) {
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "socket " + id + " closed with " + violation.reason().code() + ": "
                    + violation.getMessage());
        }
        CloseReason reason = violation.reason();
        closeWith(reason, WireFrame.close(reason.code(), reason.reason()), true);
    }

    private void handle(String text) {
        ClientFrame frame;
        try {
            frame = ClientFrame.decode(text);
        } catch (InvalidFrameException e) {
            outbox.offer(error(e.getMessage()));
            return;
        }
        switch (frame) {
            case ClientFrame.Authenticate auth -> authenticate(auth.token(), auth.since());
            case ClientFrame.Ping ping -> outbox.offer(PONG_EVENT);
            case ClientFrame.Unknown unknown -> outbox.offer(error("unknown event \"" + unknown.event()
                    + "\"; this server understands authenticate and ping"));
        }
    }

    private void authenticate(String token, Optional<Map<String, Object>> since) {
        SubscribeClaims claims;
        try {
            claims = sessions.tokens().verifySubscribe(token);
        } catch (TokenException e) {
            sessions.stats().authFailure(e.reason());
            sessions.logLimited(Level.INFO, "refused:" + e.reason().label(), () -> "socket from "
                    + LogText.of(connection.remote()) + " refused: " + e.reason().label() + " ("
                    + LogText.of(e.getMessage()) + ")");
            close(CloseReason.NOT_AUTHORIZED);
            return;
        }
        List<String> requested = new ArrayList<>(new LinkedHashSet<>(claims.channels()));
        List<CompletableFuture<Void>> joins = new ArrayList<>();
        List<String> freshChannels;
        membership.lock();
        try {
            if (closing.get() != null) {
                return;
            }
            freshChannels = requested.stream().filter(c -> !channels.contains(c)).toList();
            int limit = sessions.limits().maxChannelsPerSocket();
            if (channels.size() + freshChannels.size() > limit) {
                outbox.offer(error("token lists " + freshChannels.size() + " new channels and this socket has "
                        + channels.size() + "; a socket may join at most " + limit));
                return;
            }
            // Counted as joined before the bus confirms, so a close meanwhile releases them.
            for (String channel : freshChannels) {
                channels.add(channel);
                joins.add(sessions.bus().join(channel));
            }
        } finally {
            membership.unlock();
        }
        if (!awaitJoins(joins)) {
            close(CloseReason.UNAVAILABLE);
            return;
        }
        if (since.isPresent()) {
            // From now on every message frame carries its channel and position, on every channel.
            optedIn = true;
        }
        membership.lock();
        try {
            if (closing.get() != null) {
                return;
            }
            if (!authenticated) {
                authenticated = true;
                sessions.authenticatedOne();
            }
        } finally {
            membership.unlock();
        }
        Set<String> fresh = new HashSet<>(freshChannels);
        for (String channel : requested) {
            if (!optedIn) {
                WireFrame subscribed = WireFrame.text(new ServerFrame.Subscribed(channel).encode());
                // Queued under the hub's lock: every broadcast delivered after this point comes after "subscribed".
                sessions.hub().add(channel, this, () -> outbox.offer(subscribed));
                if (closed()) {
                    // Closed meanwhile, perhaps after its channels were released: take this one out too.
                    sessions.hub().remove(channel, this);
                    return;
                }
            } else if (!fresh.contains(channel) && sessions.hub().contains(channel, this)) {
                // Already held and live: nothing to resume, nothing replayed twice.
                outbox.offer(subscribed(channel, true, 0));
            } else if (!attach(channel, since.map(m -> m.get(channel)).map(Session::positionText))) {
                close(CloseReason.UNAVAILABLE);
                return;
            }
        }
    }

    // One channel at a time, in token order: its "subscribed", what it missed, then live broadcasts.
    private boolean attach(String channel, Optional<String> position) {
        try {
            sessions.bus().attach(channel, this, position)
                    .get(sessions.limits().authTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return closing.get() == null;
        } catch (ExecutionException | TimeoutException e) {
            sessions.logLimited(Level.WARNING, "resume", () -> "the bus could not resume a socket on a channel ("
                    + LogText.of(e) + "); closing it with 1013 so the client retries");
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // A position that is not a string is kept as one that cannot be resumed: recovered:false, never an error.
    private static String positionText(Object value) {
        return value instanceof String text ? text : "";
    }

    private boolean awaitJoins(List<CompletableFuture<Void>> joins) {
        if (joins.isEmpty()) {
            return true;
        }
        try {
            // Untimed: every join ends within the bus's own timeout, and a timed wait would arm and cancel a timer in
            // the JDK's delay scheduler for every socket that connects (a few % of a connect's CPU, BENCHMARKS.md).
            CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new)).get();
            return true;
        } catch (ExecutionException e) {
            sessions.logLimited(Level.WARNING, "join", () -> "the bus did not confirm a socket's subscriptions ("
                    + LogText.of(e) + "); closing it with 1013 so the client retries");
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- outbound: any thread ----

    @Override
    public boolean offer(Delivery delivery) {
        if (closing.get() != null) {
            return false;
        }
        return outbox.offer(optedIn ? delivery.positioned() : delivery.core());
    }

    @Override
    public boolean closed() {
        return closing.get() != null;
    }

    @Override
    public void resumed(String channel, boolean recovered, List<Delivery> missed) {
        outbox.offer(subscribed(channel, recovered, missed.size()));
        missed.forEach(delivery -> outbox.offer(delivery.positioned()));
    }

    @Override
    public void reset(String channel) {
        if (optedIn) {
            outbox.offer(subscribed(channel, false, 0));
        }
    }

    // The opted-in form of "subscribed": data also says whether the channel was recovered, and how much was missed.
    private static WireFrame subscribed(String channel, boolean recovered, int missed) {
        return WireFrame.text("{\"event\":\"subscribed\",\"data\":" + Json.quote("{\"channel\":" + Json.quote(channel)
                + ",\"recovered\":" + recovered + ",\"missed\":" + missed + "}") + "}");
    }

    @Override
    public void overflowed() {
        // The outbox tells this once per socket, however many frames it is offered after.
        sessions.stats().slowConsumer();
        sessions.logLimited(Level.INFO, "slow", () -> "socket from " + LogText.of(connection.remote())
                + " closed as a slow consumer: over " + sessions.limits().sendQueueBytes()
                + " bytes queued (BIFROST_SEND_QUEUE_BYTES)");
        close(CloseReason.SLOW_CONSUMER);
    }

    @Override
    public void closeSent() {
        // The connection's thread waits for the client to end the TCP connection (see WsConnection); the close
        // timeout cuts it if the client never does.
    }

    @Override
    public void writeFailed() {
        forceClose();
    }

    /**
     * Starts closing: no more frames are accepted, subscriptions are released at once, and the close frame follows
     * whatever is already queued (a slow consumer's queue is dropped instead). Never blocks.
     */
    void close(CloseReason reason) {
        closeWith(reason, WireFrame.close(reason.code(), reason.reason()), reason == CloseReason.SLOW_CONSUMER);
    }

    private void closeWith(CloseReason reason, WireFrame frame, boolean dropQueued) {
        if (!closing.compareAndSet(null, new Closing(reason, System.nanoTime()))) {
            return;
        }
        // Off this thread: the caller may be a fan-out holding a hub lock.
        sessions.executor().execute(this::releaseChannels);
        outbox.close(frame, dropQueued);
    }

    private void releaseChannels() {
        membership.lock();
        try {
            for (String channel : channels) {
                sessions.hub().remove(channel, this);
                sessions.bus().leave(channel);
            }
            channels.clear();
        } finally {
            membership.unlock();
        }
    }

    // ---- lifecycle, driven by the connection and Sessions' maintenance tick ----

    /**
     * The connection has ended, however it ended: release everything this socket held.
     */
    void terminated() {
        closing.compareAndSet(null, new Closing(CloseReason.NORMAL, System.nanoTime()));
        if (!terminated.compareAndSet(false, true)) {
            return;
        }
        outbox.discard();
        releaseChannels();
        membership.lock();
        try {
            // Under the lock authenticate() sets it under, after closing was set: counted down exactly once.
            if (authenticated) {
                authenticated = false;
                sessions.authenticatedGone();
            }
        } finally {
            membership.unlock();
        }
        sessions.closed(this);
    }

    /**
     * Cuts the TCP connection of a socket that did not finish closing in time; blocked reads and writes fail.
     */
    void forceClose() {
        connection.cut();
        terminated();
    }

    /**
     * One maintenance step: authentication timeout, close timeout, ping and ping timeout.
     */
    void tick(long now) {
        if (terminated.get()) {
            return;
        }
        Closing close = closing.get();
        if (close != null) {
            if (now - close.sinceNanos() > sessions.limits().closeTimeout().toNanos()) {
                forceClose();
            }
            return;
        }
        if (!authenticated && now - openedNanos > sessions.limits().authTimeout().toNanos()) {
            close(CloseReason.AUTH_TIMEOUT);
            return;
        }
        if (now - lastPingNanos >= sessions.limits().pingInterval().toNanos()) {
            if (awaitingPong) {
                close(CloseReason.PING_TIMEOUT);
                return;
            }
            awaitingPong = true;
            lastPingNanos = now;
            outbox.offer(WireFrame.PING);
        }
    }

    /**
     * @param now the maintenance tick's time
     * @return frames held by this socket if its write has been blocked since before the last tick, else 0
     */
    long stalledFrames(long now) {
        return outbox.stalledFrames(now);
    }

    long id() {
        return id;
    }

    int channelCount() {
        membership.lock();
        try {
            return channels.size();
        } finally {
            membership.unlock();
        }
    }

    boolean isAuthenticated() {
        return authenticated;
    }

    /** Why and since when a socket is closing: read together, so the close timeout never sees half of it. */
    private record Closing(CloseReason reason, long sinceNanos) {
    }

    private static WireFrame error(String message) {
        return WireFrame.text(new ServerFrame.Error(message).encode());
    }
}
