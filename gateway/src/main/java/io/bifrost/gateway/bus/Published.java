package io.bifrost.gateway.bus;

/**
 * What became of an accepted publication.
 *
 * @param deliveries sockets it reaches across the cluster, summed over its channels
 * @param duplicate  true if its {@code jti} was taken before: nothing was delivered this time
 */
public record Published(int deliveries, boolean duplicate) {
    /** The answer to a {@code jti} seen before. */
    public static final Published DUPLICATE = new Published(0, true);
}
