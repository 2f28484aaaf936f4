package io.bifrost.gateway.dashboard;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleFunction;
import java.util.function.IntSupplier;

import io.bifrost.gateway.bus.Bus;
import io.bifrost.gateway.bus.BusUnavailableException;
import io.bifrost.gateway.bus.InstanceReport;
import io.bifrost.gateway.edge.Connections;
import io.bifrost.gateway.http.JsonReply;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.ops.Histogram;
import io.bifrost.gateway.ops.PerSecond;
import io.bifrost.gateway.ops.Stats;
import io.bifrost.protocol.Json;

/**
 * Takes one snapshot of the instance a second, for every dashboard at once: however many watch, the figures are read
 * and the JSON written once. It keeps the last {@link #HISTORY} seconds of plot points, so a page opened now starts
 * with the last minutes. The cluster view (other instances, top channels) is built only while someone watches, and
 * costs no Redis work beyond what the heartbeat already reads, except the top channels every {@link #TOP_EVERY}.
 */
final class Sampler implements AutoCloseable {
    /** Plot points kept: five minutes. */
    static final int HISTORY = 300;
    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration TOP_EVERY = Duration.ofSeconds(5);
    private static final int TOP_CHANNELS = 10;

    /**
     * One snapshot.
     *
     * @param seq  its number, from 1
     * @param json what a dashboard is sent
     */
    record Sample(long seq, String json) {
    }

    private final Sources sources;
    private final ScheduledExecutorService timer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition published = lock.newCondition();
    private final ArrayDeque<String> points = new ArrayDeque<>(HISTORY);
    private final List<Runnable> afterTick = new CopyOnWriteArrayList<>();
    // Only the timer thread touches the rates and the previous histogram readings.
    private final PerSecond broadcasts = new PerSecond();
    private final PerSecond deliveries = new PerSecond();
    private final PerSecond connectionRefusals = new PerSecond();
    private final PerSecond authFailures = new PerSecond();
    private final PerSecond[] refusals = new PerSecond[Stats.Refusal.values().length];
    private long[] broadcastBuckets;
    private long[] deliveryBuckets;
    private List<Map<String, Object>> top = List.of();
    private String topProblem;
    private long topReadNanos;
    private Sample latest = new Sample(0, "{}");
    private boolean closed;
    private volatile int watchers;

    /**
     * What a snapshot reads.
     *
     * @param instance    this instance's id
     * @param stats       counters and histograms
     * @param hub         channels and deliveries
     * @param sessions    open sockets, as a function of nothing
     * @param bus         the cluster
     * @param connections TCP connections and their refusals
     * @param self        this instance's report, given its deliveries per second
     */
    record Sources(String instance, Stats stats, Hub hub, IntSupplier sessions, Bus bus,
                   Connections connections, DoubleFunction<InstanceReport> self) {
    }

    Sampler(Sources sources) {
        this.sources = sources;
        for (int i = 0; i < refusals.length; i++) {
            refusals[i] = new PerSecond();
        }
        this.broadcastBuckets = sources.stats().broadcastRequest().bucketCounts();
        this.deliveryBuckets = sources.stats().publishToDelivery().bucketCounts();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bifrost-dashboard-" + sources.instance());
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * @param task run after every snapshot, on the sampler's thread
     */
    void afterTick(Runnable task) {
        afterTick.add(task);
    }

    /**
     * @param count dashboards streaming now: the cluster view is built only while there is one
     */
    void watchers(int count) {
        watchers = count;
    }

    /**
     * @return the last {@link #HISTORY} plot points, oldest first, as a JSON array
     */
    String history() {
        lock.lock();
        try {
            return "[" + String.join(",", points) + "]";
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return the latest snapshot
     */
    Sample latest() {
        lock.lock();
        try {
            return latest;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for the snapshot after {@code seq}.
     *
     * @param seq     the last one seen
     * @param maxWait how long to wait at most
     * @return the newest snapshot (seconds missed are skipped), the same one again after {@code maxWait}, or null once
     *         the sampler is closed
     * @throws InterruptedException if interrupted while waiting
     */
    Sample next(long seq, Duration maxWait) throws InterruptedException {
        long nanos = maxWait.toNanos();
        lock.lock();
        try {
            while (!closed && latest.seq() <= seq && nanos > 0) {
                nanos = published.awaitNanos(nanos);
            }
            return closed ? null : latest;
        } finally {
            lock.unlock();
        }
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            Map<String, Object> point = point(now);
            String pointJson = Json.write(point);
            Map<String, Object> snapshot = JsonReply.object("point", point);
            Stats stats = sources.stats();
            snapshot.put("totals", JsonReply.object("broadcasts", stats.broadcastsAccepted(),
                    "deliveries", sources.hub().deliveries()));
            if (watchers > 0) {
                snapshot.put("view", view(now, ((Number) point.get("deliveries")).doubleValue()));
            }
            String json = Json.write(snapshot);
            lock.lock();
            try {
                if (points.size() == HISTORY) {
                    points.removeFirst();
                }
                points.addLast(pointJson);
                latest = new Sample(latest.seq() + 1, json);
                published.signalAll();
            } finally {
                lock.unlock();
            }
            afterTick.forEach(Runnable::run);
        } catch (RuntimeException e) {
            // A snapshot that failed is skipped; the next second tries again. Nothing here may stop the timer.
            System.getLogger(Sampler.class.getName()).log(System.Logger.Level.DEBUG, "dashboard snapshot failed: " + e);
        }
    }

    private Map<String, Object> point(long now) {
        Stats stats = sources.stats();
        Map<String, Object> refused = JsonReply.object();
        for (Stats.Refusal why : Stats.Refusal.values()) {
            refused.put(why.label(), round(refusals[why.ordinal()].update(stats.broadcastsRefused(why), now)));
        }
        refused.put("connection_limit", round(connectionRefusals.update(sources.connections().refused(), now)));
        refused.put("socket_auth", round(authFailures.update(stats.authFailures(), now)));
        Histogram request = stats.broadcastRequest();
        long[] requestNow = request.bucketCounts();
        Histogram delivery = stats.publishToDelivery();
        long[] deliveryNow = delivery.bucketCounts();
        Map<String, Object> latency = JsonReply.object(
                "broadcast", Percentiles.between(request.bounds(), broadcastBuckets, requestNow),
                "delivery", Percentiles.between(delivery.bounds(), deliveryBuckets, deliveryNow));
        broadcastBuckets = requestNow;
        deliveryBuckets = deliveryNow;
        return JsonReply.object(
                "t", System.currentTimeMillis(),
                "sockets", clusterSockets(),
                "broadcasts", round(broadcasts.update(stats.broadcastsAccepted(), now)),
                "deliveries", round(deliveries.update(sources.hub().deliveries(), now)),
                "refused", refused,
                "latency", latency);
    }

    private long clusterSockets() {
        Map<String, Long> instances = sources.bus().connectedByInstance();
        return instances.isEmpty() ? sources.sessions().getAsInt()
                : instances.values().stream().mapToLong(Long::longValue).sum();
    }

    private Map<String, Object> view(long now, double deliveriesPerSecond) {
        InstanceReport self = sources.self().apply(deliveriesPerSecond);
        List<InstanceReport> reports = new ArrayList<>();
        reports.add(self);
        for (InstanceReport other : sources.bus().instanceReports()) {
            if (!other.id().equals(self.id())) {
                reports.add(other);
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        long sockets = 0;
        long backlog = 0;
        double rate = 0;
        for (InstanceReport r : reports) {
            rows.add(JsonReply.object("id", r.id(), "self", r == self, "sockets", r.sockets(), "channels",
                    r.channels(), "deliveriesPerSecond", round(r.deliveriesPerSecond()), "backlog", r.backlog(),
                    "redis", r.redisUp() ? "up" : "down", "draining", r.draining()));
            sockets += r.sockets();
            backlog += r.backlog();
            rate += r.deliveriesPerSecond();
        }
        if (topReadNanos == 0 || now - topReadNanos >= TOP_EVERY.toNanos()) {
            topReadNanos = now;
            try {
                top = sources.bus().topChannels(TOP_CHANNELS).stream()
                        .map(c -> JsonReply.object("channel", c.channel(), "sockets", c.sockets())).toList();
                topProblem = null;
            } catch (BusUnavailableException e) {
                topProblem = "the cluster's channel counts cannot be read now";
            }
        }
        Map<String, Object> view = JsonReply.object(
                "instance", sources.instance(),
                "bus", sources.bus().name(),
                "busUp", sources.bus().health().up(),
                "instances", rows,
                "total", JsonReply.object("sockets", sockets, "deliveriesPerSecond", round(rate), "backlog", backlog),
                "topChannels", top);
        if (topProblem != null) {
            view.put("topChannelsProblem", topProblem);
        }
        return view;
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        lock.lock();
        try {
            closed = true;
            published.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
