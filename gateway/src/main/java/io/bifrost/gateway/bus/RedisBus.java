package io.bifrost.gateway.bus;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.bifrost.gateway.config.RecoverySettings;
import io.bifrost.gateway.config.RedisSettings;
import io.bifrost.gateway.hub.Delivery;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.hub.Subscriber;
import io.bifrost.gateway.ops.Stats;

import io.lettuce.core.MapScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.pubsub.RedisPubSubAdapter;

/**
 * The cluster bus, on one Redis (or a Redis Cluster or behind Sentinel: see {@link RedisLink} and {@link RedisKeys}):
 * every broadcast is one script call that assigns its position, appends it to the channel's history and publishes it
 * on the channel's pub/sub channel; each instance subscribes to exactly the channels its own sockets hold and hands
 * what arrives to its hub in offset order, healing any gap from history.
 *
 * <p>The parts, each in its own class: {@link RedisLink} (connections, outage state, scripts),
 * {@link RedisSubscriptions} (which channels are subscribed), {@link Relay} (ordered delivery, healing, resuming),
 * {@link RedisHistory} (reading history), {@link PublishScript} (the publish step), {@link ClusterCounts}
 * (deliveries and connected sockets across instances) and {@link BehindMarks} (backpressure across instances).
 */
public final class RedisBus implements Bus {
    private static final System.Logger LOG = System.getLogger(RedisBus.class.getName());
    private static final Duration TICK = Duration.ofMillis(250);
    /** How often this instance's backlog is compared with its limit, so other instances hold back in time. */
    private static final Duration BACKLOG_CHECK = Duration.ofMillis(20);
    private static final long HEARTBEAT_TICKS = 4;
    private static final long FULL_RESYNC_TICKS = 240;
    private static final long STALE_RETRY_TICKS = 40;
    /** The dashboard's top channels read at most this many pages of this many channels from the totals. */
    private static final int TOP_SCAN_PAGE = 1000;
    private static final int TOP_SCAN_PAGES = 20;

    private final Hub hub;
    private final Stats stats;
    private final RecoverySettings recovery;
    private final RedisSettings settings;
    private final RedisKeys keys;
    private final RedisLink link;
    private final Relay relay;
    private final RedisSubscriptions subscriptions;
    private final ClusterCounts counts;
    private final BehindMarks marks;
    private final ScheduledExecutorService maintenance;
    private final ScheduledExecutorService backlogMarks;
    // Only the maintenance thread touches it.
    private long ticks;

    private RedisBus(Hub hub, Stats stats, RedisSettings settings, RecoverySettings recovery,
                     IntSupplier localConnected, Supplier<InstanceReport> report) {
        this.hub = hub;
        this.stats = stats;
        this.recovery = recovery;
        this.settings = settings;
        this.keys = new RedisKeys(settings.prefix(), settings.cluster());
        this.link = new RedisLink(settings);
        RedisHistory history = new RedisHistory(link, keys, recovery.historyAge().toMillis());
        this.relay = new Relay(hub, history, stats, task -> Thread.ofVirtual().name("bifrost-relay").start(task));
        this.subscriptions = new RedisSubscriptions(link, keys, relay);
        this.counts = new ClusterCounts(link, keys, settings.instanceId(), hub, localConnected, report,
                subscriptions::channels);
        this.marks = new BehindMarks(link, keys, settings.instanceId(), hub.backlog());
        link.pubsub().addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, byte[] message) {
                receive(channel, message);
            }

            @Override
            public void smessage(String shardChannel, byte[] message) {
                receive(shardChannel, message);
            }

            @Override
            public void subscribed(String channel, long count) {
                confirmed(channel);
            }

            @Override
            public void ssubscribed(String shardChannel, long count) {
                confirmed(shardChannel);
            }

            @Override
            public void sunsubscribed(String shardChannel, long count) {
                subscriptions.droppedByRedis(shardChannel);
            }
        });
        this.maintenance = daemonScheduler("bifrost-redis-" + settings.instanceId());
        this.backlogMarks = daemonScheduler("bifrost-backlog-" + settings.instanceId());
        // A Redis Cluster's nodes are connected lazily: one still starting refuses the first heartbeat even though the
        // seeds answered. That, too, is waited for as long as the start may wait.
        while (true) {
            try {
                counts.heartbeat();
                break;
            } catch (BusUnavailableException e) {
                if (!link.waitedToRetryStart()) {
                    close();
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
        }
        // While Redis was starting, a connection can be made and dropped (a container's port accepts before Redis
        // listens), which marked the link down. Redis has answered since and no channel is subscribed yet: up now,
        // not a heartbeat later, or the first sockets would be refused with 1013 by a gateway that says it started.
        if (!link.up() && (link.cluster() || link.pubsub().isOpen())) {
            link.back(0);
        }
        // Separate threads: a heartbeat waiting on a slow Redis must never stall the 20 ms backlog mark.
        maintenance.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        backlogMarks.scheduleWithFixedDelay(marks::tick, BACKLOG_CHECK.toMillis(), BACKLOG_CHECK.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Connects to Redis and starts heartbeating.
     *
     * @param hub            where received broadcasts are delivered
     * @param stats          counters and latency
     * @param settings       how to reach Redis
     * @param recovery       history and publishing rules
     * @param localConnected this instance's open sockets, for the cluster-wide count
     * @param report         what this instance says about itself in each heartbeat, for the dashboard
     * @return the running bus
     * @throws BusUnavailableException if Redis cannot be reached now; the message says why and what to check
     */
    public static RedisBus connect(Hub hub, Stats stats, RedisSettings settings, RecoverySettings recovery,
                                   IntSupplier localConnected, Supplier<InstanceReport> report)
            throws BusUnavailableException {
        try {
            return new RedisBus(hub, stats, settings, recovery, localConnected, report);
        } catch (RuntimeException e) {
            throw new BusUnavailableException("cannot reach Redis at " + settings + ": " + RedisLink.rootMessage(e)
                    + RedisLink.tlsHint(settings, e), e);
        }
    }

    @Override
    public CompletableFuture<Void> join(String channel) {
        return subscriptions.join(channel);
    }

    @Override
    public void leave(String channel) {
        subscriptions.leave(channel);
    }

    @Override
    public Published publish(Publication publication) throws BusUnavailableException {
        if (!link.up()) {
            String why = "Redis is unreachable (" + link.problem() + "); the broadcast was not sent, retry later";
            throw new BusUnavailableException(why, null);
        }
        for (String channel : publication.channels()) {
            if (hub.behindOn(channel)) {
                throw new BehindException("this instance (" + settings.instanceId() + ") is behind: "
                        + hub.backlog().describe(), null);
            }
        }
        try {
            stats.publishStep();
            return PublishScript.run(link, keys, publication, marks.others(), recovery, settings.instanceId());
        } catch (ExecutionException | RuntimeException e) {
            String why = "Redis did not take the broadcast (" + RedisLink.rootMessage(e) + "); it was not sent,"
                    + " retry later";
            throw new BusUnavailableException(why, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusUnavailableException("interrupted while publishing", e);
        }
    }

    @Override
    public boolean awaitCaughtUp(BehindException behind, long deadlineNanos) {
        if (behind.instance() == null) {
            while (hub.backlog().behind()) {
                if (System.nanoTime() >= deadlineNanos) {
                    return false;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
            return true;
        }
        return marks.awaitCleared(behind.instance(), deadlineNanos);
    }

    @Override
    public CompletableFuture<Void> attach(String channel, Subscriber subscriber, Optional<String> since) {
        return relay.attach(channel, subscriber, since);
    }

    @Override
    public int subscribers(String channel) throws BusUnavailableException {
        return counts.total(channel);
    }

    @Override
    public Health health() {
        return link.up() ? new Health(true, "redis " + settings)
                : new Health(false, "redis unreachable: " + link.problem());
    }

    @Override
    public Map<String, Long> connectedByInstance() {
        // What the heartbeat last read (at most a second old): /info.json is unauthenticated and must not cost Redis.
        return counts.connected();
    }

    @Override
    public List<InstanceReport> instanceReports() {
        return counts.reports();
    }

    @Override
    public List<ChannelCount> topChannels(int n) throws BusUnavailableException {
        // HSCAN in pages, bounded: a dashboard's question must not become a long Redis command or an unbounded read.
        // One Redis keeps the cluster's totals in one hash; a Redis Cluster keeps them per channel, in each channel's
        // slot, so there the instances' own counts (one hash each, in one slot) are added up instead.
        TopChannels top = new TopChannels(n);
        try {
            if (!keys.cluster()) {
                scan(keys.totals(), TOP_SCAN_PAGES, top::offer);
                return top.list();
            }
            Map<String, Long> sums = new HashMap<>();
            int pagesEach = Math.max(1, TOP_SCAN_PAGES / Math.max(1, counts.connected().size()));
            for (String instance : counts.connected().keySet()) {
                scan(keys.counts(instance), pagesEach, (channel, sockets) -> sums.merge(channel, sockets, Long::sum));
            }
            sums.forEach(top::offer);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new BusUnavailableException("Redis did not answer (" + RedisLink.rootMessage(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusUnavailableException("interrupted", e);
        }
        return top.list();
    }

    // Calls back each field of a hash of counts (the alive mark '_' left out), at most maxPages pages of it.
    private void scan(String hash, int maxPages, BiConsumer<String, Long> each)
            throws ExecutionException, TimeoutException, InterruptedException {
        ScanCursor cursor = ScanCursor.INITIAL;
        int pages = 0;
        do {
            MapScanCursor<String, byte[]> page = link.commands().hscan(hash, cursor,
                    ScanArgs.Builder.limit(TOP_SCAN_PAGE)).get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            page.getMap().forEach((field, count) -> {
                if (!field.equals("_")) {
                    each.accept(field, Long.parseLong(RedisLink.text(count)));
                }
            });
            cursor = page;
        } while (!cursor.isFinished() && ++pages < maxPages);
    }

    @Override
    public long reconnects() {
        return link.reconnects();
    }

    @Override
    public int subscribedChannels() {
        return subscriptions.count();
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public void close() {
        maintenance.shutdownNow();
        backlogMarks.shutdownNow();
        if (link.up()) {
            counts.leaveCluster();
            marks.clear();
        }
        link.close();
    }

    private void receive(String pubsub, byte[] message) {
        String channel = keys.channelOf(pubsub);
        if (channel != null) {
            Delivery delivery = Envelope.decode(channel, message);
            if (delivery != null) {
                relay.received(delivery);
            }
        }
    }

    private void confirmed(String pubsub) {
        String channel = keys.channelOf(pubsub);
        if (channel != null) {
            relay.subscribed(channel);
        }
    }

    private void tick() {
        try {
            counts.flush();
            subscriptions.resubscribeDropped();
            // Every second while up; every tick while down, to be back as soon as Redis is.
            if (++ticks % HEARTBEAT_TICKS == 0 || !link.up()) {
                heartbeat();
            }
            if (ticks % FULL_RESYNC_TICKS == 0) {
                // Belt and braces: rewrite every count now and then, so no drift can outlive a minute.
                counts.markAllDirty();
            }
            if (ticks % STALE_RETRY_TICKS == 0) {
                subscriptions.retryStale();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "Redis maintenance failed: " + e);
        }
    }

    private void heartbeat() {
        try {
            counts.heartbeat();
            if (!link.up() && (link.cluster() || link.pubsub().isOpen()) && subscriptions.resubscribe()) {
                // Redis may have restarted empty: every count this instance holds is rewritten before broadcasts are
                // taken again, so their deliveries are right from the first one.
                counts.markAllDirty();
                counts.flush();
                link.back(subscriptions.count());
            }
        } catch (BusUnavailableException e) {
            link.lost(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ScheduledExecutorService daemonScheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
