package io.bifrost.gateway.bus;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.hub.WireFrame;
import io.bifrost.gateway.ops.Stats;

/**
 * The embedded default: one instance, no Redis. A broadcast goes straight into this process's hub.
 */
public final class LocalBus implements Bus {
    private final Hub hub;
    private final Stats stats;

    /**
     * @param hub   the hub broadcasts are delivered to
     * @param stats where publish-to-delivery latency is recorded
     */
    public LocalBus(Hub hub, Stats stats) {
        this.hub = hub;
        this.stats = stats;
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
    public int publish(String channel, WireFrame frame) throws BehindException {
        if (hub.behindOn(channel)) {
            throw new BehindException("this instance is behind: " + hub.backlog().describe());
        }
        long start = System.nanoTime();
        int delivered = hub.deliver(channel, frame);
        stats.publishToDelivery().recordNanos(System.nanoTime() - start);
        return delivered;
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
    public String name() {
        return "in-process";
    }

    @Override
    public void close() {
    }
}
