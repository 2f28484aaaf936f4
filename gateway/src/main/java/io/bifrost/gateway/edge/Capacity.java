package io.bifrost.gateway.edge;

import java.lang.management.ManagementFactory;

/**
 * How many connections this process can hold, from its open-file limit: every connection is a descriptor, and a
 * process out of descriptors cannot even accept the connection that would tell a client to go away.
 *
 * <ul>
 *   <li>{@code hardCap}: the listener stops accepting here, so {@code accept} never fails for lack of descriptors
 *       (Helidon's listener thread dies on such a failure and never accepts again).</li>
 *   <li>{@code max}: above this, new connections are answered and closed at once (websocket upgrades get 503 with
 *       {@code Retry-After}); the band up to {@code hardCap} is there to refuse them cleanly.</li>
 * </ul>
 *
 * @param max            connections served normally
 * @param hardCap        connections at which accepting stops until one closes
 * @param openFileLimit  the process's open-file limit, or -1 where the platform does not say
 */
public record Capacity(int max, int hardCap, long openFileLimit) {
    /** Descriptors kept for everything that is not a client connection: Redis, jars, logs, the JDK's pollers. */
    static final int RESERVED = 128;
    /** The refusal band, as a share of the cap, within bounds. */
    static final int MIN_HEADROOM = 16;
    static final int MAX_HEADROOM = 500;
    /** Where the platform does not tell its limit: as if it were Linux's usual 1024 raised to a server's 65536. */
    static final long UNKNOWN_LIMIT = 65_536;

    /**
     * Works the capacity out for this process.
     *
     * @param configured BIFROST_MAX_CONNECTIONS, or 0 to derive it from the open-file limit
     * @return the capacity
     * @throws IllegalArgumentException when the configured number cannot be held with this open-file limit; the
     *                                  message names the setting and the fix
     */
    public static Capacity forThisProcess(int configured) {
        return of(configured, readOpenFileLimit());
    }

    static Capacity of(int configured, long openFileLimit) {
        long limit = openFileLimit > 0 ? openFileLimit : UNKNOWN_LIMIT;
        long available = Math.min(Integer.MAX_VALUE, limit - RESERVED);
        if (available < 2L * MIN_HEADROOM) {
            throw new IllegalArgumentException("the open-file limit is " + limit + "; the gateway needs at least "
                    + (RESERVED + 2 * MIN_HEADROOM) + " (raise it with ulimit -n)");
        }
        if (configured == 0) {
            int headroom = headroom(available);
            return new Capacity((int) available - headroom, (int) available, openFileLimit);
        }
        int headroom = headroom(configured);
        if ((long) configured + headroom > available) {
            throw new IllegalArgumentException("BIFROST_MAX_CONNECTIONS is " + configured + " but the open-file limit"
                    + " is " + limit + ": at most " + (available - headroom) + " fit (" + RESERVED
                    + " descriptors are kept for the process and " + headroom + " for refusing connections); raise"
                    + " the limit with ulimit -n or lower BIFROST_MAX_CONNECTIONS");
        }
        return new Capacity(configured, configured + headroom, openFileLimit);
    }

    private static int headroom(long connections) {
        return (int) Math.max(MIN_HEADROOM, Math.min(MAX_HEADROOM, connections / 100));
    }

    private static long readOpenFileLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /**
     * @return a summary for the start-up log
     */
    public String describe() {
        return "connection limit " + max + " (refusing up to " + hardCap + "; open-file limit "
                + (openFileLimit > 0 ? Long.toString(openFileLimit) : "unknown") + ")";
    }
}
