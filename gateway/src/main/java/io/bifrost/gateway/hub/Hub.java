package io.bifrost.gateway.hub;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The local channel → subscribers index, and the fan-out over it.
 *
 * <p>Channels are spread over shards, each with its own read-write lock, so joins and leaves on one channel
 * never stall deliveries on another, and deliveries on the same shard run side by side under the read lock.
 * Delivering only queues the one pre-encoded frame on each subscriber; nothing waits for a socket.
 */
public final class Hub {
    private static final int SHARD_BITS = 6;
    private static final int SHARDS = 1 << SHARD_BITS;

    private final Shard[] shards = new Shard[SHARDS];
    private final LongAdder deliveries = new LongAdder();
    // Kept as channels gain their first subscriber and lose their last, so /info.json never walks the shards.
    private final java.util.concurrent.atomic.AtomicInteger channelCount = new java.util.concurrent.atomic.AtomicInteger();
    private final Backlog backlog;
    private volatile Consumer<String> countListener = channel -> { };

    /**
     * An empty hub.
     *
     * @param backlog counts what its subscribers have queued and not yet written
     */
    public Hub(Backlog backlog) {
        this.backlog = backlog;
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new Shard();
        }
    }

    /**
     * @return what this instance's subscribers have queued and not yet written
     */
    public Backlog backlog() {
        return backlog;
    }

    /**
     * Whether a broadcast to the channel should wait: this instance is behind and would queue it on its sockets.
     * A channel without local subscribers adds nothing to the backlog, so it is never held back here.
     *
     * @param channel the channel
     * @return true to hold the broadcast back
     */
    public boolean behindOn(String channel) {
        return backlog.behind() && count(channel) > 0;
    }

    /**
     * Registers who is told, channel by channel, that the number of local subscribers changed (the Redis bus
     * mirrors these counts for cluster-wide delivery counts). Called under the channel's shard lock: keep it cheap.
     *
     * @param listener receives the channel whose count changed
     */
    public void onCountChange(Consumer<String> listener) {
        this.countListener = listener;
    }

    /**
     * Adds a subscriber to a channel and, under the same lock, runs {@code whileAdding}: anything it queues on the
     * subscriber is ordered before every frame delivered on the channel from then on.
     *
     * @param channel     the channel
     * @param subscriber  the subscriber
     * @param whileAdding run once the subscriber is in, before any delivery can reach it
     * @return true if the channel had no local subscriber before
     */
    public boolean add(String channel, Subscriber subscriber, Runnable whileAdding) {
        Shard shard = shard(channel);
        shard.lock.writeLock().lock();
        try {
            Set<Subscriber> set = shard.channels.computeIfAbsent(channel, c -> new LinkedHashSet<>());
            boolean first = set.isEmpty();
            if (first) {
                channelCount.incrementAndGet();
            }
            if (set.add(subscriber)) {
                countListener.accept(channel);
            }
            whileAdding.run();
            return first;
        } finally {
            shard.lock.writeLock().unlock();
        }
    }

    /**
     * Removes a subscriber from a channel.
     *
     * @param channel    the channel
     * @param subscriber the subscriber
     * @return true if the channel has no local subscriber left
     */
    public boolean remove(String channel, Subscriber subscriber) {
        Shard shard = shard(channel);
        shard.lock.writeLock().lock();
        try {
            Set<Subscriber> set = shard.channels.get(channel);
            if (set == null) {
                return true;
            }
            if (set.remove(subscriber)) {
                countListener.accept(channel);
            }
            if (set.isEmpty()) {
                shard.channels.remove(channel);
                channelCount.decrementAndGet();
                return true;
            }
            return false;
        } finally {
            shard.lock.writeLock().unlock();
        }
    }

    /**
     * Queues a broadcast on every local subscriber of its channel.
     *
     * @param delivery the broadcast, encoded once
     * @return how many subscribers it was queued on
     */
    public int deliver(Delivery delivery) {
        String channel = delivery.channel();
        Shard shard = shard(channel);
        int delivered = 0;
        shard.lock.readLock().lock();
        try {
            Set<Subscriber> set = shard.channels.get(channel);
            if (set != null) {
                for (Subscriber subscriber : set) {
                    if (subscriber.offer(delivery)) {
                        delivered++;
                    }
                }
            }
        } finally {
            shard.lock.readLock().unlock();
        }
        deliveries.add(delivered);
        return delivered;
    }

    /**
     * Tells every local subscriber of a channel that broadcasts on it were lost (see {@link Subscriber#reset}).
     *
     * @param channel the channel
     */
    public void reset(String channel) {
        Shard shard = shard(channel);
        shard.lock.readLock().lock();
        try {
            Set<Subscriber> set = shard.channels.get(channel);
            if (set != null) {
                set.forEach(subscriber -> subscriber.reset(channel));
            }
        } finally {
            shard.lock.readLock().unlock();
        }
    }

    /**
     * @param channel    the channel
     * @param subscriber a subscriber
     * @return true if the subscriber is on the channel
     */
    public boolean contains(String channel, Subscriber subscriber) {
        Shard shard = shard(channel);
        shard.lock.readLock().lock();
        try {
            Set<Subscriber> set = shard.channels.get(channel);
            return set != null && set.contains(subscriber);
        } finally {
            shard.lock.readLock().unlock();
        }
    }

    /**
     * @param channel the channel
     * @return how many local subscribers it has now
     */
    public int count(String channel) {
        Shard shard = shard(channel);
        shard.lock.readLock().lock();
        try {
            Set<Subscriber> set = shard.channels.get(channel);
            return set == null ? 0 : set.size();
        } finally {
            shard.lock.readLock().unlock();
        }
    }

    /**
     * @return every channel with at least one local subscriber
     */
    public List<String> channels() {
        List<String> all = new ArrayList<>();
        for (Shard shard : shards) {
            shard.lock.readLock().lock();
            try {
                all.addAll(shard.channels.keySet());
            } finally {
                shard.lock.readLock().unlock();
            }
        }
        return all;
    }

    /**
     * @return how many channels have at least one local subscriber, without walking them
     */
    public int channelCount() {
        return channelCount.get();
    }

    /**
     * @return frames queued on subscribers since start
     */
    public long deliveries() {
        return deliveries.sum();
    }

    private Shard shard(String channel) {
        return shards[shardOf(channel)];
    }

    // The top bits of the hash, mixed (MurmurHash3's finalizer). Each shard's HashMap buckets by the hash's low bits;
    // a shard picked by the low bits too gathered channels that share them, and they piled into a few buckets (at
    // 10,000 channels, 6,502 sat in bins HashMap had turned into trees) and into a few shards (22 to 668 of 20,000).
    static int shardOf(String channel) {
        int h = channel.hashCode();
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h >>> (Integer.SIZE - SHARD_BITS);
    }

    static int shards() {
        return SHARDS;
    }

    private static final class Shard {
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private final Map<String, Set<Subscriber>> channels = new HashMap<>();
    }
}
