package io.bifrost.gateway.ops;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.bifrost.protocol.TokenException;

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

    private final LongAdder broadcastsAccepted = new LongAdder();
    private final Map<Refusal, LongAdder> broadcastsRefused = new EnumMap<>(Refusal.class);
    private final LongAdder slowConsumers = new LongAdder();
    private final LongAdder broadcastsHeld = new LongAdder();
    private final Map<TokenException.Reason, LongAdder> authFailures = new EnumMap<>(TokenException.Reason.class);
    private final LongAdder broadcastsDuplicate = new LongAdder();
    private final LongAdder publishSteps = new LongAdder();
    private final LongAdder historyRecovered = new LongAdder();
    private final LongAdder historyUnrecoverable = new LongAdder();
    private final LongAdder relayHealed = new LongAdder();
    private final LongAdder relayLost = new LongAdder();
    private final Histogram broadcastRequest = Histogram.latency();
    private final Histogram publishToDelivery = Histogram.latency();

    /**
     * Empty counters.
     */
    public Stats() {
        for (Refusal refusal : Refusal.values()) {
            broadcastsRefused.put(refusal, new LongAdder());
        }
        for (TokenException.Reason reason : TokenException.Reason.values()) {
            authFailures.put(reason, new LongAdder());
        }
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
        return publishSteps.sum();
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
        relayHealed.add(broadcasts);
    }

    /**
     * Broadcasts this instance missed could not be given back: the history no longer held them.
     *
     * @param broadcasts how many (1 when unknown: a history lost with its epoch)
     */
    public void relayLost(long broadcasts) {
        relayLost.add(broadcasts);
    }

    /**
     * @return broadcasts missed from Redis and delivered from history since start
     */
    public long relayHealed() {
        return relayHealed.sum();
    }

    /**
     * @return broadcasts missed from Redis and lost since start
     */
    public long relayLost() {
        return relayLost.sum();
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
        return broadcastsAccepted.sum();
    }

    /**
     * @return broadcasts refused since start, for any reason
     */
    public long broadcastsRefused() {
        return broadcastsRefused.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /**
     * @param why the reason
     * @return broadcasts refused for it since start
     */
    public long broadcastsRefused(Refusal why) {
        return broadcastsRefused.get(why).sum();
    }

    /**
     * @return sockets closed as slow consumers since start
     */
    public long slowConsumers() {
        return slowConsumers.sum();
    }

    /**
     * @return broadcast requests that waited for a backlog since start
     */
    public long broadcastsHeld() {
        return broadcastsHeld.sum();
    }

    /**
     * @return refused authentications since start
     */
    public long authFailures() {
        return authFailures.values().stream().mapToLong(LongAdder::sum).sum();
    }

    void renderCounters(StringBuilder out) {
        counter(out, "bifrost_broadcasts_accepted_total", "Broadcasts accepted and handed to the bus.",
                broadcastsAccepted.sum());
        out.append("# HELP bifrost_broadcasts_refused_total Broadcasts refused, by reason.\n")
                .append("# TYPE bifrost_broadcasts_refused_total counter\n");
        broadcastsRefused.forEach((why, n) -> out.append("bifrost_broadcasts_refused_total{reason=\"")
                .append(why.label()).append("\"} ").append(n.sum()).append('\n'));
        counter(out, "bifrost_broadcasts_held_total", "Broadcast requests that waited for a backlog to shrink"
                + " (BIFROST_MAX_BACKLOG), however they ended.", broadcastsHeld.sum());
        counter(out, "bifrost_publish_steps_total", "Publish scripts run in Redis, a held broadcast's later tries"
                + " included (one per broadcast when nothing is held).", publishSteps.sum());
        counter(out, "bifrost_broadcasts_duplicate_total", "Broadcasts whose jti was taken before: answered, not"
                + " delivered again.", broadcastsDuplicate.sum());
        counter(out, "bifrost_history_recovered_total", "Channels resumed by a socket with everything it missed.",
                historyRecovered.sum());
        counter(out, "bifrost_history_unrecoverable_total", "Channels a socket asked to resume that came back"
                + " recovered:false (other epoch, older than the history, malformed).", historyUnrecoverable.sum());
        counter(out, "bifrost_relay_healed_total", "Broadcasts this instance missed from Redis (a dropped"
                + " subscription, a gap) and delivered from history.", relayHealed.sum());
        counter(out, "bifrost_relay_lost_total", "Broadcasts this instance missed from Redis that history no longer"
                + " held (1 per lost epoch when the count is unknown).", relayLost.sum());
        counter(out, "bifrost_slow_consumer_closes_total", "Sockets closed with 4008 for not reading fast enough.",
                slowConsumers.sum());
        out.append("# HELP bifrost_auth_failures_total Socket authentications refused, by reason.\n")
                .append("# TYPE bifrost_auth_failures_total counter\n");
        authFailures.forEach((reason, n) -> out.append("bifrost_auth_failures_total{reason=\"")
                .append(reason.label()).append("\"} ").append(n.sum()).append('\n'));
        broadcastRequest.render(out, "bifrost_broadcast_request_seconds",
                "Time from a POST /broadcast arriving to its answer.");
        publishToDelivery.render(out, "bifrost_publish_to_delivery_seconds",
                "Time from a broadcast's publication to its delivery into this instance's socket queues.");
    }

    static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }

    static void gauge(StringBuilder out, String name, String help, double value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(value == Math.rint(value) ? Long.toString((long) value)
                        : Double.toString(value)).append('\n');
    }
}
