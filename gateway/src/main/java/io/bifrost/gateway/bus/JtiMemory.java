package io.bifrost.gateway.bus;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code jti}s the in-process bus has taken, each until its time is up: what Redis keeps with {@code SET NX PX}
 * in cluster mode.
 */
final class JtiMemory {
    private final Map<String, Long> expiresAtMillis = new ConcurrentHashMap<>();

    /**
     * @return true if the jti was not taken (and is now), false for a duplicate
     */
    boolean take(String jti, long nowMillis, long ttlMillis) {
        // Callers hold the publication's channel locks; two publications of one jti to different channels, or the
        // sweeper removing an expired entry, race here: each step re-reads until one of them wins.
        while (true) {
            Long previous = expiresAtMillis.get(jti);
            if (previous == null) {
                if (expiresAtMillis.putIfAbsent(jti, nowMillis + ttlMillis) == null) {
                    return true;
                }
            } else if (previous > nowMillis) {
                return false;
            } else if (expiresAtMillis.replace(jti, previous, nowMillis + ttlMillis)) {
                return true;
            }
        }
    }

    void sweep(long nowMillis) {
        Iterator<Map.Entry<String, Long>> it = expiresAtMillis.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue() <= nowMillis) {
                it.remove();
            }
        }
    }
}
