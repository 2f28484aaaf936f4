package io.bifrost.gateway.bus;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.bifrost.gateway.hub.WireFrame;

/**
 * The seam between one instance and a cluster: carries each broadcast to every instance whose sockets need its
 * channel, and hands it to that instance's hub. The rest of the gateway cannot tell which implementation runs.
 */
public interface Bus extends AutoCloseable {

    /**
     * Declares that a local socket needs a channel. Calls are reference-counted per channel.
     *
     * @param channel the channel
     * @return completes once every broadcast published from now on will reach this instance
     */
    CompletableFuture<Void> join(String channel);

    /**
     * Declares that one local socket no longer needs a channel (one call per earlier {@link #join}).
     *
     * @param channel the channel
     */
    void leave(String channel);

    /**
     * Publishes a pre-encoded frame to every socket on the channel, on every instance.
     *
     * @param channel the channel
     * @param frame   the frame, encoded once
     * @return how many sockets the frame is delivered to
     * @throws BusUnavailableException when the frame cannot be handed on; it was not delivered anywhere
     */
    int publish(String channel, WireFrame frame) throws BusUnavailableException;

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
