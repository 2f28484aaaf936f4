package io.bifrost.gateway.hub;

import java.nio.charset.StandardCharsets;

import io.bifrost.protocol.Json;

/**
 * One broadcast on one channel, as every local socket on the channel is sent it: the frame a core client gets, encoded
 * once, and the same message with its channel and position, for sockets that opted in to recovery, encoded once on
 * first use.
 */
public final class Delivery {
    private final String channel;
    private final String epoch;
    private final long offset;
    private final WireFrame core;
    private final long publishedMicros;
    private volatile WireFrame positioned;

    /**
     * @param channel         the channel
     * @param epoch           the channel's epoch
     * @param offset          the broadcast's offset in it
     * @param core            the frame exactly as the backend sent the message
     * @param publishedMicros when it was published, in microseconds since 1970 (for the latency histogram)
     */
    public Delivery(String channel, String epoch, long offset, WireFrame core, long publishedMicros) {
        this.channel = channel;
        this.epoch = epoch;
        this.offset = offset;
        this.core = core;
        this.publishedMicros = publishedMicros;
    }

    /**
     * @return the channel
     */
    public String channel() {
        return channel;
    }

    /**
     * @return the channel's epoch
     */
    public String epoch() {
        return epoch;
    }

    /**
     * @return the broadcast's offset in its channel
     */
    public long offset() {
        return offset;
    }

    /**
     * @return the position as clients see it, {@code epoch:offset}
     */
    public String id() {
        return epoch + ":" + offset;
    }

    /**
     * @return when it was published, in microseconds since 1970
     */
    public long publishedMicros() {
        return publishedMicros;
    }

    /**
     * @return the frame a core client gets: byte-identical to what Bifrost sends
     */
    public WireFrame core() {
        return core;
    }

    /**
     * @return the frame an opted-in socket gets: the message with {@code "channel"} and {@code "id"} as its last keys
     */
    public WireFrame positioned() {
        WireFrame frame = positioned;
        if (frame == null) {
            // Every socket that opted in shares these bytes; a race encodes it twice, harmlessly.
            String object = new String(core.payload(), StandardCharsets.UTF_8);
            frame = WireFrame.text(object.substring(0, object.length() - 1) + ",\"channel\":" + Json.quote(channel)
                    + ",\"id\":\"" + id() + "\"}");
            positioned = frame;
        }
        return frame;
    }
}
