package io.bifrost.gateway.config;

import java.time.Duration;

/**
 * What one caller or socket may cost the gateway.
 *
 * @param maxBodyBytes         largest {@code POST /broadcast} body; larger gets 413
 * @param maxFrameBytes        largest text frame a client may send; larger closes the socket with 1009
 * @param sendQueueBytes       bytes queued for one socket before it counts as a slow consumer (closed with 4008)
 * @param maxChannelsPerSocket channels one socket may join, across re-authentications
 * @param authTimeout          how long a socket may stay open without authenticating
 * @param pingInterval         how often each socket is sent a ping frame; no answer by the next one closes it (4001)
 * @param closeTimeout         how long a closing socket gets to take its close frame before its TCP connection is cut
 * @param maxBacklog           deliveries queued on this instance's sockets above which broadcasts to their channels
 *                             are held back, on every instance
 * @param backlogWait          how long a held-back broadcast request waits for the backlog to shrink before it gets
 *                             503 with {@code Retry-After}
 */
public record Limits(int maxBodyBytes,
                     int maxFrameBytes,
                     long sendQueueBytes,
                     int maxChannelsPerSocket,
                     Duration authTimeout,
                     Duration pingInterval,
                     Duration closeTimeout,
                     long maxBacklog,
                     Duration backlogWait) {

    /** The defaults, documented in the README's configuration table. */
    public static final Limits DEFAULTS = new Limits(64 * 1024, 64 * 1024, 1024 * 1024, 1000,
            Duration.ofSeconds(30), Duration.ofSeconds(15), Duration.ofSeconds(5), 100_000, Duration.ofSeconds(2));

    /**
     * Checks every limit is usable.
     */
    public Limits {
        positive("maxBodyBytes", maxBodyBytes);
        positive("maxFrameBytes", maxFrameBytes);
        positive("sendQueueBytes", sendQueueBytes);
        positive("maxChannelsPerSocket", maxChannelsPerSocket);
        positive("authTimeout", authTimeout.toMillis());
        positive("pingInterval", pingInterval.toMillis());
        positive("closeTimeout", closeTimeout.toMillis());
        positive("maxBacklog", maxBacklog);
        if (backlogWait.isNegative()) {
            throw new IllegalArgumentException("backlogWait is " + backlogWait + "; it must be zero or positive");
        }
    }

    /**
     * @param bytes largest broadcast body
     * @return a copy with that limit
     */
    public Limits withMaxBodyBytes(int bytes) {
        return new Limits(bytes, maxFrameBytes, sendQueueBytes, maxChannelsPerSocket, authTimeout, pingInterval,
                closeTimeout, maxBacklog, backlogWait);
    }

    /**
     * @param bytes largest client frame
     * @return a copy with that limit
     */
    public Limits withMaxFrameBytes(int bytes) {
        return new Limits(maxBodyBytes, bytes, sendQueueBytes, maxChannelsPerSocket, authTimeout, pingInterval,
                closeTimeout, maxBacklog, backlogWait);
    }

    /**
     * @param bytes per-socket send queue bound
     * @return a copy with that limit
     */
    public Limits withSendQueueBytes(long bytes) {
        return new Limits(maxBodyBytes, maxFrameBytes, bytes, maxChannelsPerSocket, authTimeout, pingInterval,
                closeTimeout, maxBacklog, backlogWait);
    }

    /**
     * @param channels channels per socket
     * @return a copy with that limit
     */
    public Limits withMaxChannelsPerSocket(int channels) {
        return new Limits(maxBodyBytes, maxFrameBytes, sendQueueBytes, channels, authTimeout, pingInterval,
                closeTimeout, maxBacklog, backlogWait);
    }

    /**
     * @param timeout authentication timeout
     * @return a copy with that limit
     */
    public Limits withAuthTimeout(Duration timeout) {
        return new Limits(maxBodyBytes, maxFrameBytes, sendQueueBytes, maxChannelsPerSocket, timeout, pingInterval,
                closeTimeout, maxBacklog, backlogWait);
    }

    /**
     * @param interval ping interval
     * @return a copy with that limit
     */
    public Limits withPingInterval(Duration interval) {
        return new Limits(maxBodyBytes, maxFrameBytes, sendQueueBytes, maxChannelsPerSocket, authTimeout, interval,
                closeTimeout, maxBacklog, backlogWait);
    }

    /**
     * @param timeout close timeout
     * @return a copy with that limit
     */
    public Limits withCloseTimeout(Duration timeout) {
        return new Limits(maxBodyBytes, maxFrameBytes, sendQueueBytes, maxChannelsPerSocket, authTimeout, pingInterval,
                timeout, maxBacklog, backlogWait);
    }

    /**
     * @param deliveries backlog limit
     * @return a copy with that limit
     */
    public Limits withMaxBacklog(long deliveries) {
        return new Limits(maxBodyBytes, maxFrameBytes, sendQueueBytes, maxChannelsPerSocket, authTimeout, pingInterval,
                closeTimeout, deliveries, backlogWait);
    }

    /**
     * @param wait how long a held-back broadcast waits
     * @return a copy with that wait
     */
    public Limits withBacklogWait(Duration wait) {
        return new Limits(maxBodyBytes, maxFrameBytes, sendQueueBytes, maxChannelsPerSocket, authTimeout, pingInterval,
                closeTimeout, maxBacklog, wait);
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be positive");
        }
    }
}
