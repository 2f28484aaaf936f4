package io.bifrost.gateway.bus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.bifrost.gateway.config.RecoverySettings;
import io.bifrost.gateway.hub.Delivery;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.hub.Subscriber;
import io.bifrost.gateway.ops.Stats;

/**
 * The embedded default: one instance, no Redis. A broadcast goes straight into this process's hub, with the same
 * positions, history, {@code jti} and batch rules as in a cluster, kept in memory.
 */
public final class LocalBus implements Bus {
    private static final long SWEEP_SECONDS = 10;

    private final Hub hub;
    private final Stats stats;
    private final RecoverySettings recovery;
    private final Map<String, ChannelLog> logs = new ConcurrentHashMap<>();
    private final JtiMemory jtis = new JtiMemory();
    private final ScheduledExecutorService sweeper;

    /**
     * @param hub      the hub broadcasts are delivered to
     * @param stats    where publish-to-delivery latency is recorded
     * @param recovery history and publishing rules
     */
    public LocalBus(Hub hub, Stats stats, RecoverySettings recovery) {
        this.hub = hub;
        this.stats = stats;
        this.recovery = recovery;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bifrost-history-sweeper");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public CompletableFuture<Void> join(String channel) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void leave(String channel) {
        // Nothing to release: the hub itself is the subscription.
    }

    @Override
    public Published publish(Publication publication) throws BehindException {
        List<ChannelLog> locked = lock(publication.channels());
        try {
            for (String channel : publication.channels()) {
                if (hub.behindOn(channel)) {
                    throw new BehindException("this instance is behind: " + hub.backlog().describe(), null);
                }
            }
            long now = System.currentTimeMillis();
            if (publication.jti().isPresent()
                    && !jtis.take(publication.jti().get(), now, publication.jtiTtl().toMillis())) {
                return Published.DUPLICATE;
            }
            long start = System.nanoTime();
            int deliveries = 0;
            for (String channel : publication.channels()) {
                Delivery delivery = logs.get(channel).append(publication.frame(), now, recovery.historySize(),
                        recovery.historyAge().toMillis());
                deliveries += hub.deliver(delivery);
            }
            stats.publishToDelivery().recordNanos(System.nanoTime() - start);
            return new Published(deliveries, false);
        } finally {
            locked.forEach(log -> log.lock().unlock());
        }
    }

    @Override
    public boolean awaitCaughtUp(BehindException behind, long deadlineNanos) {
        // Only this instance can be behind here; its backlog shrinks as its writers drain.
        while (hub.backlog().behind()) {
            if (System.nanoTime() >= deadlineNanos) {
                return false;
            }
            LockSupport.parkNanos(1_000_000L);
        }
        return true;
    }

    @Override
    public CompletableFuture<Void> attach(String channel, Subscriber subscriber, Optional<String> since) {
        ChannelLog log = lockOne(channel);
        try {
            long now = System.currentTimeMillis();
            long age = recovery.historyAge().toMillis();
            Resumption resumption = Resumption.decide(since, log.epoch(), log.last(),
                    (after, upTo) -> log.range(after, upTo, now, age));
            subscriber.resumed(channel, resumption.recovered(), resumption.missed());
            hub.add(channel, subscriber, () -> { });
            if (subscriber.closed()) {
                // Closed meanwhile, perhaps after its channels were released: it must not stay in the fan-out.
                hub.remove(channel, subscriber);
            }
            return CompletableFuture.completedFuture(null);
        } catch (BusUnavailableException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            log.lock().unlock();
        }
    }

    // Locks in one order (sorted names), so two batches sharing channels never deadlock.
    private List<ChannelLog> lock(List<String> channels) {
        List<ChannelLog> locked = new ArrayList<>(channels.size());
        for (String channel : new TreeSet<>(channels)) {
            locked.add(lockOne(channel));
        }
        return locked;
    }

    private ChannelLog lockOne(String channel) {
        while (true) {
            ChannelLog log = logs.computeIfAbsent(channel, ChannelLog::new);
            log.lock().lock();
            if (logs.get(channel) == log) {
                return log;
            }
            // The sweeper retired it between the lookup and the lock: take the new one.
            log.lock().unlock();
        }
    }

    private void sweep() {
        long now = System.currentTimeMillis();
        long age = recovery.historyAge().toMillis();
        for (Map.Entry<String, ChannelLog> entry : logs.entrySet()) {
            ChannelLog log = entry.getValue();
            if (log.lock().tryLock()) {
                try {
                    if (log.expired(now, age)) {
                        logs.remove(entry.getKey(), log);
                    }
                } finally {
                    log.lock().unlock();
                }
            }
        }
        jtis.sweep(now);
    }

    @Override
    public int subscribers(String channel) {
        return hub.count(channel);
    }

    @Override
    public Health health() {
        return new Health(true, "in-process bus");
    }

    @Override
    public Map<String, Long> connectedByInstance() {
        return Map.of();
    }

    @Override
    public List<ChannelCount> topChannels(int n) {
        TopChannels top = new TopChannels(n);
        for (String channel : hub.channels()) {
            top.offer(channel, hub.count(channel));
        }
        return top.list();
    }

    @Override
    public String name() {
        return "in-process";
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
