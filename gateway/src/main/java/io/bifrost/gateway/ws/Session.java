package io.bifrost.gateway.ws;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import io.bifrost.gateway.hub.Subscriber;
import io.bifrost.gateway.hub.WireFrame;
import io.bifrost.protocol.ClientFrame;
import io.bifrost.protocol.InvalidFrameException;
import io.bifrost.protocol.ServerFrame;
import io.bifrost.protocol.SubscribeClaims;
import io.bifrost.protocol.TokenException;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.helidon.websocket.WsUpgradeException;

/**
 * One client socket: what it sent (the {@link WsListener} side, on the connection's own thread) and what it is
 * sent (the {@link Subscriber} side, from any thread).
 *
 * <p>Outbound frames go into a bounded, lock-free queue; a writer task, started only while there is something to
 * write, drains it and writes every frame waiting in one socket write. A frame for an idle socket skips the queue
 * and is handed to the writer it starts. A socket that stops reading fills its queue
 * and is closed with 4008, so a fan-out never waits for it and its memory stays bounded.
 *
 * <p>States: awaiting authentication → open → closing (close frame queued, subscriptions released) → closed.
 */
final class Session implements WsListener, Subscriber {
    private static final System.Logger LOG = System.getLogger(Session.class.getName());
    private static final WireFrame PONG_EVENT = WireFrame.text(new ServerFrame.Pong().encode());
    /** Frames coalesced into one socket write at most; bounds the copy made for the write. */
    private static final int MAX_BATCH_BYTES = 256 * 1024;
    /** A write blocked this long means the socket is not reading (a writable socket's write returns at once). */
    private static final long STALLED_AFTER_NANOS = 200_000_000L;

    private final Sessions sessions;
    private final long id;
    private final long openedNanos = System.nanoTime();

    // Set once in onOpen, before the session is published to other threads.
    private WsSession ws;
    private ConnectionContext connection;
    private Thread connectionThread;

    private final ConcurrentLinkedQueue<WireFrame> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final Runnable drainTask = () -> drain(null);
    // When the write in progress began (0: none) and how many frames it carries: a socket whose write has been
    // blocked for a while is not reading, and what it holds is not the gateway's lag (see Backlog).
    private volatile long writeStartedNanos;
    private volatile int writeFrames;

    private final ReentrantLock membership = new ReentrantLock();
    private final Set<String> channels = new LinkedHashSet<>();
    private volatile boolean authenticated;

    private final AtomicReference<Closing> closing = new AtomicReference<>();
    private volatile boolean closeFrameSent;
    private final AtomicBoolean terminated = new AtomicBoolean();

    // Set in the constructor: the first ping comes at a random point of the first interval.
    private volatile long lastPingNanos;
    private volatile boolean awaitingPong;

    private StringBuilder fragments;

    Session(Sessions sessions, long id) {
        this.sessions = sessions;
        this.id = id;
        // Sockets that connected together (a deploy, a reconnect storm) would otherwise be pinged together forever:
        // one burst of writes per interval that delays whatever broadcast it meets.
        long interval = sessions.limits().pingInterval().toNanos();
        this.lastPingNanos = openedNanos - ThreadLocalRandom.current().nextLong(interval);
    }

    // ---- inbound: Helidon calls these on the connection's thread ----

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) throws WsUpgradeException {
        if (sessions.draining()) {
            // Refused upgrades fall through to the HTTP route for /subscribe, which answers 503.
            throw new WsUpgradeException("draining");
        }
        return Optional.empty();
    }

    @Override
    public void onOpen(WsSession session) {
        this.ws = session;
        this.connection = (ConnectionContext) session.socketContext();
        this.connectionThread = Thread.currentThread();
        sessions.opened(this);
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        awaitingPong = false;
        if (closing.get() != null) {
            return;
        }
        if (!last || fragments != null) {
            // A fragmented message: the frame limit applies to the whole of it.
            if (fragments == null) {
                fragments = new StringBuilder();
            }
            fragments.append(text);
            if (fragments.length() > sessions.limits().maxFrameBytes()) {
                fragments = null;
                close(CloseReason.FRAME_TOO_LARGE);
                return;
            }
            if (!last) {
                return;
            }
            text = fragments.toString();
            fragments = null;
        }
        handle(text);
    }

    @Override
    public void onMessage(WsSession session, BufferData buffer, boolean last) {
        close(CloseReason.BINARY_FRAME);
    }

    @Override
    public void onPing(WsSession session, BufferData buffer) {
        awaitingPong = false;
        byte[] payload = new byte[buffer.available()];
        buffer.read(payload);
        enqueue(WireFrame.pong(payload));
    }

    @Override
    public void onPong(WsSession session, BufferData buffer) {
        awaitingPong = false;
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        terminated();
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        LOG.log(Level.WARNING, "socket " + id + " failed: " + t);
        terminated();
    }

    private void handle(String text) {
        ClientFrame frame;
        try {
            frame = ClientFrame.decode(text);
        } catch (InvalidFrameException e) {
            enqueue(error(e.getMessage()));
            return;
        }
        switch (frame) {
            case ClientFrame.Authenticate auth -> authenticate(auth.token());
            case ClientFrame.Ping ping -> enqueue(PONG_EVENT);
            case ClientFrame.Unknown unknown -> enqueue(error("unknown event \"" + unknown.event()
                    + "\"; this server understands authenticate and ping"));
        }
    }

    private void authenticate(String token) {
        SubscribeClaims claims;
        try {
            claims = sessions.tokens().verifySubscribe(token);
        } catch (TokenException e) {
            sessions.stats().authFailure(e.reason());
            LOG.log(Level.INFO, "socket " + id + " from " + remote() + " refused: " + e.reason().label() + " ("
                    + e.getMessage() + ")");
            close(CloseReason.NOT_AUTHORIZED);
            return;
        }
        List<String> requested = new ArrayList<>(new LinkedHashSet<>(claims.channels()));
        List<CompletableFuture<Void>> joins = new ArrayList<>();
        membership.lock();
        try {
            if (closing.get() != null) {
                return;
            }
            List<String> fresh = requested.stream().filter(c -> !channels.contains(c)).toList();
            int limit = sessions.limits().maxChannelsPerSocket();
            if (channels.size() + fresh.size() > limit) {
                enqueue(error("token lists " + fresh.size() + " new channels and this socket has " + channels.size()
                        + "; a socket may join at most " + limit));
                return;
            }
            // Counted as joined before the bus confirms, so a close meanwhile releases them.
            for (String channel : fresh) {
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
        membership.lock();
        try {
            if (closing.get() != null) {
                return;
            }
            authenticated = true;
            for (String channel : requested) {
                WireFrame subscribed = WireFrame.text(new ServerFrame.Subscribed(channel).encode());
                // Queued under the hub's lock: every broadcast delivered after this point comes after "subscribed".
                sessions.hub().add(channel, this, () -> enqueue(subscribed));
            }
        } finally {
            membership.unlock();
        }
    }

    private boolean awaitJoins(List<CompletableFuture<Void>> joins) {
        if (joins.isEmpty()) {
            return true;
        }
        try {
            CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new))
                    .get(sessions.limits().authTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "socket " + id + ": the bus did not confirm its subscriptions (" + e
                    + "); closing it with 1013 so the client retries");
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- outbound: any thread ----

    @Override
    public boolean offer(WireFrame frame) {
        if (closing.get() != null) {
            return false;
        }
        return enqueue(frame);
    }

    private boolean enqueue(WireFrame frame) {
        if (closeFrameSent) {
            // Nothing may follow a close frame, not even a pong.
            return false;
        }
        if (queuedBytes.addAndGet(frame.size()) > sessions.limits().sendQueueBytes()) {
            queuedBytes.addAndGet(-frame.size());
            sessions.stats().slowConsumer();
            LOG.log(Level.INFO, "socket " + id + " from " + remote() + " closed as a slow consumer: "
                    + queuedBytes.get() + " bytes queued");
            close(CloseReason.SLOW_CONSUMER);
            return false;
        }
        // Counted before it is visible to the writer, so the count never runs below what is queued.
        sessions.hub().backlog().queued();
        if (queue.isEmpty() && writing.compareAndSet(false, true)) {
            // Nothing waiting, no writer: the frame goes straight to a new writer and never into the queue, whose
            // nodes would be young objects linked from this long-lived session, one more card for every young
            // collection to scan. Frames queued meanwhile are written after it.
            sessions.executor().execute(() -> drain(frame));
            return true;
        }
        queue.add(frame);
        startWriter();
        return true;
    }

    /**
     * Starts closing: no more frames are accepted, subscriptions are released at once, and the close frame follows
     * whatever is already queued (a slow consumer's queue is dropped instead). Never blocks.
     */
    void close(CloseReason reason) {
        if (!closing.compareAndSet(null, new Closing(reason, System.nanoTime()))) {
            return;
        }
        if (reason == CloseReason.SLOW_CONSUMER) {
            dropQueue();
        }
        // Off this thread: the caller may be a fan-out holding a hub lock.
        sessions.executor().execute(this::releaseChannels);
        startWriter();
    }

    private void startWriter() {
        if (writing.compareAndSet(false, true)) {
            sessions.executor().execute(drainTask);
        }
    }

    private void drain(WireFrame handed) {
        try {
            // A handed frame goes first, with whatever queued behind it while this writer started.
            WireFrame first = handed;
            while (true) {
                if (first == null) {
                    first = queue.poll();
                }
                if (first == null) {
                    Closing close = closing.get();
                    if (close != null && !closeFrameSent) {
                        closeFrameSent = true;
                        // Through Helidon, so it knows a close was sent and does not send a second one when the
                        // client answers (browsers fail a connection that gets a frame after the close: 1006).
                        // Helidon 4.2.6 writes close frames through an unlocked buffer, so this must never overlap
                        // its own answer to a client's close: a session the client closed never gets here, see
                        // terminated().
                        ws.close(close.reason().code(), close.reason().reason());
                    }
                    writing.set(false);
                    // A frame queued after the poll but before the flag was cleared would otherwise wait forever.
                    if (queue.isEmpty() || !writing.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                WireFrame second = queue.poll();
                if (second == null) {
                    // The common case when the socket keeps up: one frame, written from its shared bytes.
                    write(first.bytes(), 1, first.size());
                } else {
                    writeBatch(first, second);
                }
                first = null;
            }
        } catch (RuntimeException e) {
            // The connection is gone (reset, closed under us): nothing more can be written to it.
            writing.set(false);
            forceClose();
        }
    }

    // Every frame waiting, up to MAX_BATCH_BYTES, copied into one array: one syscall for many frames.
    private void writeBatch(WireFrame first, WireFrame second) {
        List<WireFrame> batch = new ArrayList<>();
        batch.add(first);
        batch.add(second);
        int bytes = first.size() + second.size();
        WireFrame frame;
        while (bytes < MAX_BATCH_BYTES && (frame = queue.poll()) != null) {
            batch.add(frame);
            bytes += frame.size();
        }
        byte[] joined = new byte[bytes];
        int at = 0;
        for (WireFrame f : batch) {
            System.arraycopy(f.bytes(), 0, joined, at, f.size());
            at += f.size();
        }
        write(joined, batch.size(), bytes);
    }

    private void write(byte[] bytes, int frames, int size) {
        writeFrames = frames;
        writeStartedNanos = System.nanoTime() | 1;
        try {
            // Whole frames only, each write atomic on the socket, so Helidon's own control frames never interleave.
            connection.dataWriter().writeNow(BufferData.create(bytes));
        } finally {
            writeStartedNanos = 0;
            queuedBytes.addAndGet(-size);
            sessions.hub().backlog().done(frames);
        }
    }

    private void dropQueue() {
        WireFrame frame;
        int frames = 0;
        while ((frame = queue.poll()) != null) {
            queuedBytes.addAndGet(-frame.size());
            frames++;
        }
        sessions.hub().backlog().done(frames);
    }

    /**
     * @param now the maintenance tick's time
     * @return frames held by this socket if its write has been blocked since before the last tick, else 0
     */
    long stalledFrames(long now) {
        long started = writeStartedNanos;
        if (started == 0 || now - started < STALLED_AFTER_NANOS) {
            return 0;
        }
        return writeFrames + (long) queue.size();
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

    // ---- lifecycle, driven by Sessions' maintenance tick ----

    /**
     * The connection has ended, however it ended: release everything this socket held.
     */
    void terminated() {
        // The peer closed or vanished: nothing more is written to it, not even a close frame (Helidon answers a
        // client's close itself).
        closeFrameSent = true;
        closing.compareAndSet(null, new Closing(CloseReason.NORMAL, System.nanoTime()));
        if (!terminated.compareAndSet(false, true)) {
            return;
        }
        releaseChannels();
        dropQueue();
        sessions.closed(this);
    }

    /**
     * Cuts the TCP connection of a socket that did not finish closing in time; blocked reads and writes fail.
     */
    void forceClose() {
        try {
            connection.serverSocket().close();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "socket " + id + " close failed: " + e);
        }
        terminated();
    }

    /**
     * One maintenance step: authentication timeout, close timeout, ping and ping timeout.
     */
    void tick(long now) {
        if (terminated.get()) {
            return;
        }
        if (connectionThread != null && !connectionThread.isAlive()) {
            // Helidon ends a connection without calling onClose when the peer vanishes or sends a bad frame.
            terminated();
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
            enqueue(WireFrame.PING);
        }
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

    private String remote() {
        return connection == null ? "?" : connection.remotePeer().address().toString();
    }

    /** Why and since when a socket is closing: read together, so the close timeout never sees half of it. */
    private record Closing(CloseReason reason, long sinceNanos) {
    }

    private static WireFrame error(String message) {
        return WireFrame.text(new ServerFrame.Error(message).encode());
    }
}
