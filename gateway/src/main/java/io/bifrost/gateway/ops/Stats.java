package io.bifrost.gateway.ops;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import io.bifrost.protocol.TokenException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * Counters and latency histograms of events worth knowing, one set per gateway instance.
 */
public final class Stats {
    /**
     * Why a broadcast was refused, as a metric label.
     */
    public enum Refusal {
        /** Malformed request: content type, JSON, token field, claims. */
        BAD_REQUEST,
        /** Token signature, expiry or algorithm. */
        BAD_TOKEN,
        /** Body over the limit. */
        TOO_LARGE,
        /** The bus could not take it (Redis down). */
        UNAVAILABLE,
        /** Held back past its wait: an instance holding sockets on its channel was behind (BIFROST_MAX_BACKLOG). */
        BACKLOG;

        /**
         * @return the reason as {@code /metrics} and the dashboard name it
         */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter broadcastsAccepted = counter("bifrost.broadcasts.accepted",
            "Broadcasts accepted and handed to the bus.");
    private final Map<Refusal, Counter> broadcastsRefused = new EnumMap<>(Refusal.class);
    private final Counter slowConsumers = counter("bifrost.slow.consumer.closes",
            "Sockets closed with 4008 for not reading fast enough.");
    private final Counter broadcastsHeld = counter("bifrost.broadcasts.held", "Broadcast requests that waited for a"
            + " backlog to shrink (BIFROST_MAX_BACKLOG), however they ended.");
    private final Map<TokenException.Reason, Counter> authFailures = new EnumMap<>(TokenException.Reason.class);
    private final Counter broadcastsDuplicate = counter("bifrost.broadcasts.duplicate", "Broadcasts whose jti was"
            + " taken before: answered, not delivered again.");
    private final Counter publishSteps = counter("bifrost.publish.steps", "Publish scripts run in Redis, a held"
            + " broadcast's later tries included (one per broadcast when nothing is held).");
    private final Counter historyRecovered = counter("bifrost.history.recovered",
            "Channels resumed by a socket with everything it missed.");
    private final Counter historyUnrecoverable = counter("bifrost.history.unrecoverable", "Channels a socket asked"
            + " to resume that came back recovered:false (other epoch, older than the history, malformed).");
    private final Counter relayHealed = counter("bifrost.relay.healed", "Broadcasts this instance missed from Redis"
            + " (a dropped subscription, a gap) and delivered from history.");
    private final Counter relayLost = counter("bifrost.relay.lost", "Broadcasts this instance missed from Redis that"
            + " history no longer held (1 per lost epoch when the count is unknown).");
    private final Histogram broadcastRequest = Histogram.latency(registry, "bifrost.broadcast.request",
            "Time from a POST /broadcast arriving to its answer.");
    private final Histogram publishToDelivery = Histogram.latency(registry, "bifrost.publish.to.delivery",
            "Time from a broadcast's publication to its delivery into this instance's socket queues.");

    /**
     * Empty counters, in a registry of this instance's own: several gateways in one JVM never share a meter.
     */
    public Stats() {
        for (Refusal refusal : Refusal.values()) {
            broadcastsRefused.put(refusal, Counter.builder("bifrost.broadcasts.refused")
                    .description("Broadcasts refused, by reason.").tag("reason", refusal.label()).register(registry));
        }
        for (TokenException.Reason reason : TokenException.Reason.values()) {
            authFailures.put(reason, Counter.builder("bifrost.auth.failures")
                    .description("Socket authentications refused, by reason.").tag("reason", reason.label())
                    .register(registry));
        }
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    /**
     * @return this instance's meters, which {@code /metrics} exposes
     */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** A broadcast was accepted and handed to the bus. */
    public void broadcastAccepted() {
        broadcastsAccepted.increment();
    }

    /**
     * A broadcast was refused.
     *
     * @param why the reason
     */
    public void broadcastRefused(Refusal why) {
        broadcastsRefused.get(why).increment();
    }

    /** A broadcast request waited for a backlog to shrink (whatever its outcome). */
    public void broadcastHeld() {
        broadcastsHeld.increment();
    }

    /** The publish step ran in Redis once (a held broadcast may run it again when its instance caught up). */
    public void publishStep() {
        publishSteps.increment();
    }

    /**
     * @return publish steps run in Redis since start
     */
    public long publishSteps() {
        return (long) publishSteps.count();
    }

    /** A broadcast's jti was taken before: answered as a duplicate, nothing delivered. */
    public void broadcastDuplicate() {
        broadcastsDuplicate.increment();
    }

    /**
     * A socket resumed a channel.
     *
     * @param recovered whether what it missed could be given back
     */
    public void resumed(boolean recovered) {
        (recovered ? historyRecovered : historyUnrecoverable).increment();
    }

    /**
     * Broadcasts this instance had missed from Redis (a dropped subscription, a gap) were delivered from history.
     *
     * @param broadcasts how many
     */
    public void relayHealed(long broadcasts) {
        relayHealed.increment(broadcasts);
    }

    /**
     * Broadcasts this instance missed could not be given back: the history no longer held them.
     *
     * @param broadcasts how many (1 when unknown: a history lost with its epoch)
     */
    public void relayLost(long broadcasts) {
        relayLost.increment(broadcasts);
    }

    /**
     * @return broadcasts missed from Redis and delivered from history since start
     */
    public long relayHealed() {
        return (long) relayHealed.count();
    }

    /**
     * @return broadcasts missed from Redis and lost since start
     */
    public long relayLost() {
        return (long) relayLost.count();
    }

    /** A socket was closed for not reading fast enough. */
    public void slowConsumer() {
        slowConsumers.increment();
    }

    /**
     * A socket's authentication was refused.
     *
     * @param reason why
     */
    public void authFailure(TokenException.Reason reason) {
        authFailures.get(reason).increment();
    }

    /**
     * @return how long {@code POST /broadcast} requests take, from arrival to answer
     */
    public Histogram broadcastRequest() {
        return broadcastRequest;
    }

    /**
     * @return time from a broadcast's publication to its delivery into this instance's socket queues
     */
    public Histogram publishToDelivery() {
        return publishToDelivery;
    }

    /**
     * @return broadcasts accepted since start
     */
    public long broadcastsAccepted() {
        return (long) broadcastsAccepted.count();
    }

    /**
     * @return broadcasts refused since start, for any reason
     */
    public long broadcastsRefused() {
        return broadcastsRefused.values().stream().mapToLong(c -> (long) c.count()).sum();
    }

    /**
     * @param why the reason
     * @return broadcasts refused for it since start
     */
    public long broadcastsRefused(Refusal why) {
        return (long) broadcastsRefused.get(why).count();
    }

    /**
     * @return sockets closed as slow consumers since start
     */
    public long slowConsumers() {
        return (long) slowConsumers.count();
    }

    /**
     * @return broadcast requests that waited for a backlog since start
     */
    public long broadcastsHeld() {
        return (long) broadcastsHeld.count();
    }

    /**
     * @return refused authentications since start
     */
    public long authFailures() {
        return authFailures.values().stream().mapToLong(c -> (long) c.count()).sum();
    }
}
