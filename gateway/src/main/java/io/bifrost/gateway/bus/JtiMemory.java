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
        Long previous = expiresAtMillis.get(jti);
        if (previous != null && previous > nowMillis) {
            return false;
        }
        // Callers hold the publication's channel locks; two publications of one jti to different channels race here.
        return previous == null
                ? expiresAtMillis.putIfAbsent(jti, nowMillis + ttlMillis) == null
                : expiresAtMillis.replace(jti, previous, nowMillis + ttlMillis);
    }

    /**
     * Gives a jti back: its publication was refused after all.
     */
    void release(String jti) {
        expiresAtMillis.remove(jti);
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
