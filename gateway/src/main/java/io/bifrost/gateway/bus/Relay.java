package io.bifrost.gateway.bus;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;

import io.bifrost.gateway.hub.Delivery;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.hub.Subscriber;
import io.bifrost.gateway.ops.LogLimiter;
import io.bifrost.gateway.ops.LogText;
import io.bifrost.gateway.ops.Stats;

/**
 * Hands what arrives from Redis to the hub, channel by channel, in offset order, off Lettuce's event loop.
 *
 * <p>Each channel this instance subscribes to has a serial queue and knows the last offset it delivered. A broadcast
 * whose offset skips ahead (a message Redis dropped, a subscription that was down) is preceded by what it skipped,
 * read from the channel's history; a re-subscription after a reconnect catches up the same way before anything newer.
 * Only what the history no longer holds is lost: it is counted, logged, and opted-in sockets on the channel are told
 * ({@link Subscriber#reset}). A socket resuming on the channel is served in the same queue, so what it missed and what
 * is live meet exactly once.
 *
 * <p>Lettuce's event loop only decodes and enqueues: a fan-out to thousands of sockets never delays the replies of
 * the commands connection, nor Redis's pub/sub writes to this instance.
 */
final class Relay {
    private static final System.Logger LOG = System.getLogger(Relay.class.getName());
    private static final int READ_ATTEMPTS = 3;
    private static final Duration READ_RETRY = Duration.ofMillis(200);

    private final Hub hub;
    private final RedisHistory history;
    private final Stats stats;
    private final Executor threads;
    private final LogLimiter lostLog = new LogLimiter();
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();

    Relay(Hub hub, RedisHistory history, Stats stats, Executor threads) {
        this.hub = hub;
        this.history = history;
        this.stats = stats;
        this.threads = threads;
    }

    /** One channel's place in its history, touched only by its queue's tasks (the queue orders them). */
    private final class Channel {
        private final String name;
        private final SerialQueue queue = new SerialQueue(threads);
        private final CompletableFuture<Void> ready = new CompletableFuture<>();
        private String epoch;
        private long last;

        Channel(String name) {
            this.name = name;
        }
    }

    /**
     * Starts following a channel, before it is subscribed in Redis.
     *
     * @param channel the channel
     * @return completes once the first subscription was confirmed and the channel's head read: broadcasts published
     *         from then on are delivered
     */
    CompletableFuture<Void> start(String channel) {
        return channels.computeIfAbsent(channel, Channel::new).ready;
    }

    /**
     * Stops following a channel (its last local socket left).
     *
     * @param channel the channel
     */
    void stop(String channel) {
        channels.remove(channel);
    }

    /**
     * Redis confirmed a subscription to the channel, the first one or one made again after the connection dropped.
     * Called on Lettuce's event loop, in order with the channel's messages.
     *
     * @param channel the channel
     */
    void subscribed(String channel) {
        Channel c = channels.get(channel);
        if (c != null) {
            c.queue.submit(() -> sync(c));
        }
    }

    /**
     * A broadcast arrived. Called on Lettuce's event loop: it only enqueues.
     *
     * @param delivery the broadcast
     */
    void received(Delivery delivery) {
        Channel c = channels.get(delivery.channel());
        if (c == null) {
            return;
        }
        long deliveries = hub.count(delivery.channel());
        hub.backlog().relaying(deliveries);
        c.queue.submit(() -> {
            try {
                deliver(c, delivery);
            } finally {
                hub.backlog().relayed(deliveries);
            }
        });
    }

    /**
     * Adds a socket resuming on a channel, in the channel's order (see {@link Bus#attach}).
     */
    CompletableFuture<Void> attach(String channel, Subscriber subscriber, Optional<String> since) {
        Channel c = channels.get(channel);
        if (c == null) {
            return CompletableFuture.failedFuture(new BusUnavailableException("not subscribed to " + channel, null));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        c.queue.submit(() -> {
            try {
                if (since.isPresent()) {
                    catchUpBeforeResume(c);
                }
                Resumption resumption = Resumption.decide(since, c.epoch, c.last, (after, upTo) -> {
                    RedisHistory.Read read = history.read(c.name, after, upTo);
                    return Objects.equals(read.head().epoch(), c.epoch) ? read.range() : Optional.empty();
                });
                if (since.isPresent()) {
                    stats.resumed(resumption.recovered());
                }
                subscriber.resumed(c.name, resumption.recovered(), resumption.missed());
                hub.add(c.name, subscriber, () -> { });
                if (subscriber.closed()) {
                    // Closed meanwhile, perhaps after its channels were released: it must not stay in the fan-out.
                    hub.remove(c.name, subscriber);
                }
                done.complete(null);
            } catch (BusUnavailableException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    // Broadcasts Redis has taken may still be on their way here over pub/sub, their publishers already answered 200; a
    // client resuming now must get them as missed, and must not get again, live, one it already received elsewhere
    // (its position would even look ahead of this instance). So the resume starts from Redis's head: what this
    // instance has not relayed yet of the same epoch is delivered now from history, in order, to the channel's
    // sockets, and its pub/sub copies are skipped by offset when they come. Best effort: a head or range that cannot
    // be read whole, or an epoch change, is left to the relay's own path.
    private void catchUpBeforeResume(Channel c) {
        try {
            RedisHistory.Head head = history.head(c.name);
            boolean sameEpoch = head.epoch() != null && head.epoch().equals(c.epoch);
            // Nothing relayed on the channel yet: its first epoch follows on without a loss (as in catchUp).
            boolean fresh = head.epoch() != null && c.epoch == null && c.last == 0;
            if (!(sameEpoch || fresh) || head.top() <= c.last) {
                return;
            }
            RedisHistory.Read read = history.read(c.name, c.last, head.top());
            if (!Objects.equals(read.head().epoch(), head.epoch()) || read.range().isEmpty()) {
                return;
            }
            c.epoch = head.epoch();
            read.range().get().forEach(d -> deliverOne(c, d));
        } catch (BusUnavailableException e) {
            // Left to pub/sub: the resume is decided on what this instance has relayed.
        }
    }

    // The channel's head, read after a (re-)subscription: the first time it only sets where delivery starts; after a
    // reconnect it also delivers what was published while the subscription was down.
    private void sync(Channel c) {
        RedisHistory.Head head;
        try {
            head = readHead(c);
        } catch (BusUnavailableException e) {
            if (!c.ready.isDone()) {
                c.ready.completeExceptionally(e);
                channels.remove(c.name, c);
            }
            return;
        }
        if (!c.ready.isDone()) {
            c.epoch = head.epoch();
            c.last = head.top();
            c.ready.complete(null);
            return;
        }
        catchUp(c, head);
    }

    private void deliver(Channel c, Delivery delivery) {
        if (!c.ready.isDone()) {
            // Published before the head was read: the head counts it, and no socket here was told "subscribed" yet.
            return;
        }
        if (c.epoch == null && c.last == 0 && delivery.offset() == 1) {
            // The first broadcast of the channel, or of the epoch that follows a loss already reported: nothing before
            // it was missed, so there is nothing to read or heal.
            c.epoch = delivery.epoch();
        } else if (!delivery.epoch().equals(c.epoch)) {
            // A new epoch: its head says whether the old one ended where this instance stopped.
            try {
                // Only what came before this broadcast is read from history; it, and what follows, come by pub/sub.
                catchUp(c, readHead(c), delivery.offset() - 1);
            } catch (BusUnavailableException e) {
                lost(c, 1, "its history could not be read");
                c.epoch = delivery.epoch();
                c.last = delivery.offset() - 1;
            }
            if (!delivery.epoch().equals(c.epoch)) {
                // The head moved on to yet another epoch meanwhile: this broadcast's epoch is gone.
                return;
            }
        }
        if (delivery.offset() <= c.last) {
            return;
        }
        if (delivery.offset() > c.last + 1) {
            heal(c, delivery.offset() - 1);
        }
        deliverOne(c, delivery);
    }

    private void catchUp(Channel c, RedisHistory.Head head) {
        catchUp(c, head, Long.MAX_VALUE);
    }

    // Moves to the head's epoch (reporting a loss unless the old epoch ended where this instance stopped) and heals
    // up to the head, or up to {@code upTo} when that is lower.
    private void catchUp(Channel c, RedisHistory.Head head, long upTo) {
        if (head.epoch() == null) {
            if (c.epoch != null) {
                // Redis lost the channel (restarted, flushed) and nothing was published since.
                lost(c, 1, "Redis lost its history");
                c.epoch = null;
                c.last = 0;
            }
            return;
        }
        if (!head.epoch().equals(c.epoch)) {
            boolean continuous = c.epoch == null && c.last == 0
                    || c.epoch != null && c.epoch.equals(head.previousEpoch()) && c.last == head.previousTop();
            if (!continuous) {
                lost(c, 1, "its history was lost and started over");
            }
            c.epoch = head.epoch();
            c.last = 0;
        }
        long target = Math.min(head.top(), upTo);
        if (target > c.last) {
            heal(c, target);
        }
    }

    // Delivers (c.last, upTo] from history. Only what the history no longer holds is lost: it is counted and reported
    // first, then the newest part the history still holds is delivered (its pub/sub copies, if any, are skipped).
    private void heal(Channel c, long upTo) {
        long missing = upTo - c.last;
        List<Delivery> held = List.of();
        try {
            RedisHistory.Read read = readRange(c, c.last, upTo);
            if (Objects.equals(read.head().epoch(), c.epoch)) {
                held = read.tail();
            }
        } catch (BusUnavailableException e) {
            // Counted lost below: the relay cannot hold a channel's deliveries for Redis indefinitely.
        }
        if (held.size() < missing) {
            lost(c, missing - held.size(), "its history no longer holds them");
            c.last = upTo - held.size();
        }
        held.forEach(d -> deliverOne(c, d));
        if (!held.isEmpty()) {
            stats.relayHealed(held.size());
        }
    }

    private void deliverOne(Channel c, Delivery delivery) {
        hub.deliver(delivery);
        c.last = delivery.offset();
        stats.publishToDelivery().recordNanos(Math.max(0, (PublishScript.nowMicros() - delivery.publishedMicros()) * 1000));
    }

    private void lost(Channel c, long broadcasts, String why) {
        stats.relayLost(broadcasts);
        lostLog.log(LOG, Level.WARNING, "lost", () -> "channel " + LogText.of(c.name) + ": this instance missed "
                + broadcasts + " broadcast(s) and " + why + "; opted-in sockets on it are told recovered:false");
        hub.reset(c.name);
    }

    private RedisHistory.Head readHead(Channel c) throws BusUnavailableException {
        return readRange(c, 0, 0).head();
    }

    // A few tries: a heal or a head read is worth a short wait, not a lost broadcast, when Redis blinks.
    private RedisHistory.Read readRange(Channel c, long after, long upTo) throws BusUnavailableException {
        BusUnavailableException failure = null;
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
            try {
                return history.read(c.name, after, upTo);
            } catch (BusUnavailableException e) {
                failure = e;
                LockSupport.parkNanos(READ_RETRY.toNanos());
            }
        }
        throw failure;
    }
}
