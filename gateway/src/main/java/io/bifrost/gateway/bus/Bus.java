package io.bifrost.gateway.bus;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.bifrost.gateway.hub.Subscriber;

/**
 * The seam between one instance and a cluster: assigns each broadcast its position on its channel, keeps the
 * channel's history, carries the broadcast to every instance whose sockets need the channel, and hands it to that
 * instance's hub in the channel's order. The rest of the gateway cannot tell which implementation runs.
 */
public interface Bus extends AutoCloseable {

    /**
     * Declares that a local socket needs a channel. Calls are reference-counted per channel.
     *
     * @param channel the channel
     * @return completes once every broadcast published from now on will reach this instance, or exceptionally when the
     *         bus cannot confirm that within its own timeout: a caller may wait for it without a timer of its own
     */
    CompletableFuture<Void> join(String channel);

    /**
     * Declares that one local socket no longer needs a channel (one call per earlier {@link #join}).
     *
     * @param channel the channel
     */
    void leave(String channel);

    /**
     * Publishes a broadcast to every socket on its channels, on every instance: all channels or none.
     *
     * @param publication the broadcast
     * @return how many sockets it reaches, or that its {@code jti} was taken before
     * @throws BehindException         when an instance holding sockets on a channel is behind: nothing was sent,
     *                                 try again once it caught up ({@link #awaitCaughtUp})
     * @throws BusUnavailableException when it cannot be handed on; it was not delivered anywhere
     */
    Published publish(Publication publication) throws BusUnavailableException;

    /**
     * Waits, without asking the cluster, until the instance a {@link BehindException} named has caught up.
     *
     * @param behind       the exception
     * @param deadlineNanos {@link System#nanoTime()} after which to stop waiting
     * @return true if it caught up in time
     */
    boolean awaitCaughtUp(BehindException behind, long deadlineNanos);

    /**
     * Adds a socket that opted in to recovery to a channel it joined, in the channel's delivery order: it is told
     * what it missed since its position (or that it cannot be told), then gets everything newer.
     *
     * @param channel    the channel, joined before
     * @param subscriber the socket
     * @param since      its position on the channel as the client sent it, if any (malformed ones are not resumable)
     * @return completes once the subscriber is in the channel's fan-out
     */
    CompletableFuture<Void> attach(String channel, Subscriber subscriber, Optional<String> since);

    /**
     * How many sockets a broadcast to the channel would reach now, cluster-wide (in a cluster, counts are refreshed
     * about every quarter second).
     *
     * @param channel the channel
     * @return the count
     * @throws BusUnavailableException when the cluster counts cannot be read
     */
    int subscribers(String channel) throws BusUnavailableException;

    /**
     * @return whether broadcasts can be handed on now, and what to tell an operator
     */
    Health health();

    /**
     * Open sockets on every live instance of the cluster, by instance.
     *
     * @return the counts; empty when this instance is the whole cluster
     */
    Map<String, Long> connectedByInstance();

    /**
     * What every other live instance said about itself in its last heartbeat (the dashboard's cluster view). Read from
     * what the heartbeat already fetched: costs no Redis round trip.
     *
     * @return the reports, this instance's own included when the bus has one; empty for the in-process bus
     */
    default List<InstanceReport> instanceReports() {
        return List.of();
    }

    /**
     * The channels with the most sockets, cluster-wide. Walks every channel: for the dashboard, every few seconds
     * while one watches, never on a broadcast's path.
     *
     * @param n how many
     * @return up to n channels, most sockets first
     * @throws BusUnavailableException when the cluster counts cannot be read
     */
    List<ChannelCount> topChannels(int n) throws BusUnavailableException;

    /**
     * A channel and how many sockets it has.
     *
     * @param channel the channel
     * @param sockets sockets on it
     */
    record ChannelCount(String channel, long sockets) {
    }

    /**
     * Whether the bus can take broadcasts.
     *
     * @param up     true when it can
     * @param detail what it runs on, or why it cannot
     */
    record Health(boolean up, String detail) {
    }

    /**
     * @return how often the connection to the cluster was re-established
     */
    default long reconnects() {
        return 0;
    }

    /**
     * @return channels this instance is subscribed to in the cluster
     */
    default int subscribedChannels() {
        return 0;
    }

    /**
     * @return a short name for logs and {@code /info.json}
     */
    String name();

    @Override
    void close();
}
