package io.bifrost.gateway.ops;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.bifrost.protocol.TokenException;

/**
 * Counters of events worth knowing, one set per gateway instance.
 */
public final class Stats {
    private final LongAdder broadcastsAccepted = new LongAdder();
    private final LongAdder broadcastsRefused = new LongAdder();
    private final LongAdder slowConsumers = new LongAdder();
    private final Map<TokenException.Reason, LongAdder> authFailures = new EnumMap<>(TokenException.Reason.class);

    /**
     * Empty counters.
     */
    public Stats() {
        for (TokenException.Reason reason : TokenException.Reason.values()) {
            authFailures.put(reason, new LongAdder());
        }
    }

    /** A broadcast was accepted and handed to the bus. */
    public void broadcastAccepted() {
        broadcastsAccepted.increment();
    }

    /** A broadcast was refused (bad input, bad token, bus down). */
    public void broadcastRefused() {
        broadcastsRefused.increment();
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
     * @return broadcasts accepted since start
     */
    public long broadcastsAccepted() {
        return broadcastsAccepted.sum();
    }

    /**
     * @return broadcasts refused since start
     */
    public long broadcastsRefused() {
        return broadcastsRefused.sum();
    }

    /**
     * @return sockets closed as slow consumers since start
     */
    public long slowConsumers() {
        return slowConsumers.sum();
    }

    /**
     * @return refused authentications since start
     */
    public long authFailures() {
        return authFailures.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
