package io.bifrost.gateway.ws;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import io.bifrost.gateway.bus.Bus;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.ops.LogLimiter;
import io.bifrost.gateway.ops.Stats;
import io.bifrost.protocol.Tokens;

/**
 * Every socket of this instance, and the one maintenance loop that walks them: pings, ping and authentication
 * timeouts, closes that take too long, and connections that ended without telling us. One loop for all sockets
 * instead of a timer per socket keeps an idle socket cheap.
 */
public final class Sessions implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Sessions.class.getName());
    private static final long TICK_MILLIS = 250;

    private final Hub hub;
    private final Bus bus;
    private final Tokens tokens;
    private final Limits limits;
    private final Stats stats;
    private final Set<Session> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger authenticated = new AtomicInteger();
    // Lines clients can cause at will: per kind, the first, then one a minute with a count.
    private final LogLimiter limited = new LogLimiter();
    // One virtual thread per write burst, started directly: an ExecutorService would also track every thread in a
    // set, a cost paid per socket per broadcast. Nothing needs them tracked: forceClose fails a blocked write.
    private final ThreadFactory writerThreads = Thread.ofVirtual().name("bifrost-writer").factory();
    private final Executor writers = task -> writerThreads.newThread(task).start();
    private final ScheduledExecutorService maintenance;
    private volatile boolean draining;

    /**
     * @param hub    local channel index
     * @param bus    where subscriptions are declared
     * @param tokens verifies subscribe tokens
     * @param limits per-socket limits
     * @param stats  counters
     */
    public Sessions(Hub hub, Bus bus, Tokens tokens, Limits limits, Stats stats) {
        this.hub = hub;
        this.bus = bus;
        this.tokens = tokens;
        this.limits = limits;
        this.stats = stats;
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bifrost-sessions");
            t.setDaemon(true);
            return t;
        });
        maintenance.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * A connection finished its websocket handshake.
     *
     * @param connection the connection
     * @return its session, registered
     */
    Session open(WsConnection connection) {
        Session session = new Session(this, connection, ids.incrementAndGet());
        open.add(session);
        return session;
    }

    /**
     * @return sockets open now
     */
    public int connected() {
        return open.size();
    }

    /**
     * @return sockets open now that have authenticated
     */
    public long authenticated() {
        return authenticated.get();
    }

    /**
     * @return socket-channel memberships on this instance
     */
    public long subscriptions() {
        return open.stream().mapToLong(Session::channelCount).sum();
    }

    /**
     * @return true once {@link #drain} has begun: new sockets are refused
     */
    public boolean draining() {
        return draining;
    }

    /**
     * Drains this instance: refuses new sockets, then closes the open ones with 1012 one by one, spread evenly over
     * the window, so their clients reconnect to other instances gradually rather than all in the same second. Each
     * close frame follows whatever was already queued for its socket. Returns when every socket is gone, or a close
     * timeout after the window.
     *
     * @param window how long to spread the closes over
     */
    public void drain(Duration window) {
        draining = true;
        List<Session> snapshot = new ArrayList<>(open);
        LOG.log(Level.INFO, "draining: closing " + snapshot.size() + " sockets with 1012 over " + window.toMillis()
                + " ms");
        long start = System.nanoTime();
        long step = snapshot.isEmpty() ? 0 : window.toNanos() / snapshot.size();
        for (int i = 0; i < snapshot.size(); i++) {
            long wait = start + i * step - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            snapshot.get(i).close(CloseReason.RESTART);
        }
        // A socket that slipped in just before the flag was set.
        closeAll(CloseReason.RESTART);
        long deadline = System.nanoTime() + limits.closeTimeout().toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000_000);
        }
        LOG.log(Level.INFO, "drained in " + (System.nanoTime() - start) / 1_000_000 + " ms; " + open.size()
                + " sockets left to cut");
    }

    /**
     * Closes every socket with the given reason (the close frame follows what is already queued).
     *
     * @param reason the close reason
     */
    public void closeAll(CloseReason reason) {
        open.forEach(s -> s.close(reason));
    }

    /**
     * Sends every socket 1012, gives them up to {@code grace} to take it, then cuts what is left.
     *
     * @param grace how long to wait for sockets to close by themselves
     */
    public void close(Duration grace) {
        closeAll(CloseReason.RESTART);
        long deadline = System.nanoTime() + grace.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        maintenance.shutdownNow();
        open.forEach(Session::forceClose);
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }

    private void tick() {
        long now = System.nanoTime();
        long stalled = 0;
        for (Session session : open) {
            try {
                session.tick(now);
                stalled += session.stalledFrames(now);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "maintenance of socket " + session.id() + " failed", e);
            }
        }
        hub.backlog().stalled(stalled);
    }

    void authenticatedOne() {
        authenticated.incrementAndGet();
    }

    void authenticatedGone() {
        authenticated.decrementAndGet();
    }

    /**
     * Logs a line a client can cause over and over: per kind, the first, then one a minute with a count.
     *
     * @param level   its level
     * @param kind    what it is about, the limiter's key
     * @param message the line (request-derived parts escaped with LogText)
     */
    void logLimited(Level level, String kind, Supplier<String> message) {
        limited.log(LOG, level, kind, message);
    }

    void closed(Session session) {
        open.remove(session);
    }

    Hub hub() {
        return hub;
    }

    Bus bus() {
        return bus;
    }

    Tokens tokens() {
        return tokens;
    }

    Limits limits() {
        return limits;
    }

    Stats stats() {
        return stats;
    }

    Executor executor() {
        return writers;
    }
}
