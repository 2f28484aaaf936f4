package io.bifrost.gateway.bus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which channels this instance subscribes to in Redis: exactly those its sockets hold.
 *
 * <p>Reference-counted per channel: the first local socket subscribes, the last one leaving unsubscribes. Every
 * SUBSCRIBE and UNSUBSCRIBE is issued under one lock, so Redis sees them in the order the sockets came and went. An
 * UNSUBSCRIBE that fails (Redis unreachable) is remembered and issued again once Redis is back, after Lettuce has
 * re-subscribed everything it knew: the instance never stays subscribed to a channel no socket holds. A join while
 * Redis is unreachable is refused at once: a socket is told {@code subscribed} only once Redis confirmed it.
 *
 * <p>On a Redis Cluster a shard drops its sharded subscriptions when their slot moves to another shard (resharding,
 * a failover): such a channel is subscribed again, wherever its slot lives now, on the next maintenance tick, and
 * its relay catches up from history once Redis confirms.
 */
final class RedisSubscriptions {
    private static final int CHUNK = 1000;

    private final RedisLink link;
    private final RedisKeys keys;
    private final Relay relay;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Integer> refs = new HashMap<>();
    private final Set<String> stale = new LinkedHashSet<>();
    /** Channels still held whose subscription Redis dropped by itself (their slot moved). */
    private final Set<String> dropped = new LinkedHashSet<>();

    RedisSubscriptions(RedisLink link, RedisKeys keys, Relay relay) {
        this.link = link;
        this.keys = keys;
        this.relay = relay;
    }

    CompletableFuture<Void> join(String channel) {
        if (!link.up()) {
            return CompletableFuture.failedFuture(new BusUnavailableException("Redis is unreachable ("
                    + link.problem() + ")", null));
        }
        lock.lock();
        try {
            int held = refs.merge(channel, 1, Integer::sum);
            CompletableFuture<Void> ready = relay.start(channel);
            if (ready.isCompletedExceptionally()) {
                // An earlier SUBSCRIBE was refused while sockets that asked for it still hold the channel: try again.
                relay.stop(channel);
                ready = relay.start(channel);
                subscribe(channel, ready);
            } else if (held == 1) {
                stale.remove(channel);
                subscribe(channel, ready);
            }
            // A copy: the timeout is this caller's, not every waiter's.
            return ready.copy().orTimeout(link.settings().timeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } finally {
            lock.unlock();
        }
    }

    // Under the lock. The relay completes `ready` once Redis confirmed and the channel's head was read; a refused
    // SUBSCRIBE fails it.
    private void subscribe(String channel, CompletableFuture<Void> ready) {
        try {
            link.subscribe(keys.pubsub(channel))
                    .whenComplete((ok, failure) -> {
                        if (failure != null) {
                            ready.completeExceptionally(failure);
                        }
                    });
        } catch (RuntimeException e) {
            ready.completeExceptionally(e);
        }
    }

    void leave(String channel) {
        lock.lock();
        try {
            Integer held = refs.get(channel);
            if (held == null) {
                return;
            }
            if (held > 1) {
                refs.put(channel, held - 1);
                return;
            }
            refs.remove(channel);
            relay.stop(channel);
            unsubscribe(channel);
        } finally {
            lock.unlock();
        }
    }

    // Under the lock. A failure (Redis unreachable, rejected) leaves the channel to be unsubscribed again later.
    private void unsubscribe(String channel) {
        try {
            link.unsubscribe(keys.pubsub(channel))
                    .whenComplete((ok, failure) -> {
                        if (failure != null) {
                            markStale(channel);
                        }
                    });
        } catch (RuntimeException e) {
            stale.add(channel);
        }
    }

    private void markStale(String channel) {
        lock.lock();
        try {
            if (!refs.containsKey(channel)) {
                stale.add(channel);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * After a reconnect: subscribes every channel still held and waits for Redis to confirm (Lettuce re-subscribes by
     * itself but says nothing when it is done; an extra SUBSCRIBE is harmless), and unsubscribes what was left over.
     *
     * @return true once Redis confirmed them all
     */
    boolean resubscribe() throws InterruptedException {
        List<CompletableFuture<?>> confirmations = new ArrayList<>();
        lock.lock();
        try {
            List<String> held = new ArrayList<>(refs.keySet());
            dropped.clear();
            for (int i = 0; i < held.size(); i += CHUNK) {
                String[] chunk = held.subList(i, Math.min(held.size(), i + CHUNK)).stream().map(keys::pubsub)
                        .toArray(String[]::new);
                confirmations.add(link.subscribe(chunk));
            }
            retryStaleLocked();
        } catch (RuntimeException e) {
            return false;
        } finally {
            lock.unlock();
        }
        try {
            CompletableFuture.allOf(confirmations.toArray(CompletableFuture[]::new))
                    .get(link.settings().timeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /**
     * Redis ended a subscription this instance did not end (on a cluster: the channel's slot moved to another shard).
     * Called on Lettuce's event loop.
     *
     * @param pubsub the pub/sub channel's name
     */
    void droppedByRedis(String pubsub) {
        String channel = keys.channelOf(pubsub);
        if (channel == null) {
            return;
        }
        lock.lock();
        try {
            if (refs.containsKey(channel)) {
                dropped.add(channel);
            }
        } finally {
            lock.unlock();
        }
        link.refreshTopology();
    }

    /**
     * Subscribes again, where their slots live now, the channels whose subscriptions Redis dropped. Called every
     * maintenance tick; one that fails is tried again on the next.
     */
    void resubscribeDropped() {
        lock.lock();
        try {
            if (dropped.isEmpty()) {
                return;
            }
            List<String> again = new ArrayList<>(dropped);
            dropped.clear();
            for (String channel : again) {
                if (!refs.containsKey(channel)) {
                    continue;
                }
                try {
                    link.subscribe(keys.pubsub(channel)).whenComplete((ok, failure) -> {
                        if (failure != null) {
                            redo(channel);
                        }
                    });
                } catch (RuntimeException e) {
                    dropped.add(channel);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void redo(String channel) {
        lock.lock();
        try {
            if (refs.containsKey(channel)) {
                dropped.add(channel);
            }
        } finally {
            lock.unlock();
        }
        link.refreshTopology();
    }

    /**
     * Issues again the UNSUBSCRIBEs that failed. Called now and then, and after every reconnect.
     */
    void retryStale() {
        lock.lock();
        try {
            retryStaleLocked();
        } finally {
            lock.unlock();
        }
    }

    private void retryStaleLocked() {
        if (stale.isEmpty() || !link.pubsub().isOpen()) {
            return;
        }
        List<String> leftover = new ArrayList<>(stale);
        stale.clear();
        leftover.forEach(this::unsubscribe);
    }

    /**
     * @return channels subscribed now
     */
    Set<String> channels() {
        lock.lock();
        try {
            return Set.copyOf(refs.keySet());
        } finally {
            lock.unlock();
        }
    }

    int count() {
        lock.lock();
        try {
            return refs.size();
        } finally {
            lock.unlock();
        }
    }
}
